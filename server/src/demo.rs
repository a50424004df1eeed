//! Demo accounts for a newcomer's first run and for the end-to-end tests.

use app::accounts::service::{NewAccount, create_account};
use app::accounts::types::{
    AccountStatus, NewPassword, Nik, OfficialEmail, PersonName, PhoneNumber, Role,
};
use app::audit::Actor;
use app::otp_devices::service::provision_device;
use app::otp_devices::types::DeviceName;
use app::platform::state::Services;
use serde::Serialize;

struct DemoAccount {
    email: &'static str,
    name: &'static str,
    nik: Option<&'static str>,
    phone: Option<&'static str>,
    agency: &'static str,
    role: Role,
    status: AccountStatus,
    password: &'static str,
    devices: &'static [&'static str],
}

const DEMO_ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        email: "budi.santoso@kominfo.go.id",
        name: "Budi Santoso",
        nik: Some("3201011508900001"),
        phone: Some("081234567890"),
        agency: "Kementerian Komunikasi dan Digital",
        role: Role::Signer,
        status: AccountStatus::Verified,
        password: "signer-demo-1",
        devices: &["Hp Budi Lama"],
    },
    DemoAccount {
        email: "siti.rahmawati@bssn.go.id",
        name: "Siti Rahmawati",
        nik: Some("3273015508920002"),
        phone: Some("081298765432"),
        agency: "Badan Siber dan Sandi Negara",
        role: Role::Signer,
        status: AccountStatus::Verified,
        password: "signer-demo-2",
        devices: &["Hp Kantor", "Tablet Rumah", "Hp Pribadi"],
    },
    DemoAccount {
        email: "andi.pratama@bandung.go.id",
        name: "Andi Pratama",
        nik: Some("3273011203850003"),
        phone: Some("082112345678"),
        agency: "Pemerintah Kota Bandung",
        role: Role::Signer,
        status: AccountStatus::Unverified,
        password: "signer-demo-3",
        devices: &[],
    },
    DemoAccount {
        email: "rina.wijaya@kemenkeu.go.id",
        name: "Rina Wijaya",
        nik: Some("3171014707880004"),
        phone: Some("081311112222"),
        agency: "Kementerian Keuangan",
        role: Role::Signer,
        status: AccountStatus::Suspended,
        password: "signer-demo-4",
        devices: &["Hp Rina"],
    },
    DemoAccount {
        email: "verifikator@bsre.go.id",
        name: "Verifikator Helpdesk",
        nik: None,
        phone: None,
        agency: "Balai Besar Sertifikasi Elektronik",
        role: Role::Verifier,
        status: AccountStatus::Verified,
        password: "verifier-demo",
        devices: &["Hp Verifikator"],
    },
    DemoAccount {
        email: "admin@bsre.go.id",
        name: "Admin Helpdesk",
        nik: None,
        phone: None,
        agency: "Balai Besar Sertifikasi Elektronik",
        role: Role::Admin,
        status: AccountStatus::Verified,
        password: "admin-demo-1",
        devices: &["Hp Admin"],
    },
];

#[derive(Debug, Serialize)]
pub struct DemoLogin {
    pub email: String,
    pub password: String,
    pub role: String,
    pub status: String,
    pub nik: Option<String>,
    pub full_name: String,
    pub phone: Option<String>,
    pub devices: Vec<DemoDevice>,
}

#[derive(Debug, Serialize)]
pub struct DemoDevice {
    pub name: String,
    /// Base32, to type into an authenticator app.
    pub secret: String,
    pub otpauth_uri: String,
}

pub async fn seed(svc: &Services) -> anyhow::Result<Vec<DemoLogin>> {
    let now = svc.now();
    let mut logins = Vec::new();
    for demo in DEMO_ACCOUNTS {
        let account = NewAccount {
            email: OfficialEmail::parse(demo.email).map_err(anyhow::Error::msg)?,
            full_name: PersonName::parse(demo.name).map_err(anyhow::Error::msg)?,
            nik: demo
                .nik
                .map(Nik::parse)
                .transpose()
                .map_err(anyhow::Error::msg)?,
            phone: demo
                .phone
                .map(PhoneNumber::parse)
                .transpose()
                .map_err(anyhow::Error::msg)?,
            agency: Some(demo.agency.to_string()),
            role: demo.role,
            status: demo.status,
            password: NewPassword::parse(demo.password).map_err(anyhow::Error::msg)?,
        };
        let id = create_account(svc, account, Actor::System, now).await?;
        let mut devices = Vec::new();
        for (age, name) in demo.devices.iter().enumerate() {
            let device_name = DeviceName::parse(name).map_err(anyhow::Error::msg)?;
            // Older devices first, a day apart, so "added longest ago" is visible.
            let added_at = now - (demo.devices.len() - age) as i64 * 86_400;
            let (secret, _) = provision_device(svc, &id, &device_name, added_at).await?;
            devices.push(DemoDevice {
                name: name.to_string(),
                secret: secret.to_base32(),
                otpauth_uri: secret.otpauth_uri(&svc.settings.brand, demo.email),
            });
        }
        logins.push(DemoLogin {
            email: demo.email.into(),
            password: demo.password.into(),
            role: demo.role.as_str().into(),
            status: demo.status.as_str().into(),
            nik: demo.nik.map(str::to_string),
            full_name: demo.name.into(),
            phone: demo.phone.map(str::to_string),
            devices,
        });
    }
    Ok(logins)
}

pub fn print_table(logins: &[DemoLogin], base_url: &str) {
    println!("\nAkun demo (kata sandi di kolom kedua; kunci OTP untuk aplikasi Authenticator):");
    for login in logins {
        println!(
            "  {:<32} {:<16} {:<9} {}",
            login.email, login.password, login.role, login.status
        );
        for device in &login.devices {
            println!(
                "      perangkat \"{}\": kunci {}",
                device.name, device.secret
            );
        }
    }
    println!(
        "\nBuka {base_url}/login untuk masuk, atau {base_url}/helpdesk untuk mengajukan Permohonan OTP.\n"
    );
}
