//! Accounts created directly through the domain services, and logging in
//! over HTTP.

use app::accounts::service::{NewAccount, create_account};
use app::accounts::types::{
    AccountStatus, NewPassword, Nik, OfficialEmail, PersonName, PhoneNumber, Role,
};
use app::audit::Actor;
use app::otp_devices::service::provision_device;
use app::otp_devices::totp::{TotpSecret, step_at};
use app::otp_devices::types::DeviceName;
use reqwest::StatusCode;

use super::spawn::{TestApp, random};

/// A signer (or staff member) created directly through the domain services.
#[derive(Debug, Clone)]
pub struct TestAccount {
    pub id: String,
    pub email: String,
    pub password: String,
    pub devices: Vec<(String, TotpSecret)>,
}

impl TestAccount {
    pub fn secret(&self, index: usize) -> &TotpSecret {
        &self.devices[index].1
    }
}

pub struct AccountSpec<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub nik: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub role: Role,
    pub status: AccountStatus,
    pub devices: &'a [&'a str],
}

impl Default for AccountSpec<'_> {
    fn default() -> Self {
        Self {
            email: "budi.santoso@kominfo.go.id",
            name: "Budi Santoso",
            nik: Some("3201011508900001"),
            phone: Some("081234567890"),
            role: Role::Signer,
            status: AccountStatus::Verified,
            devices: &["Hp Lama"],
        }
    }
}

impl TestApp {
    /// The current code of `secret` by the app's clock, `offset` steps away.
    pub fn code(&self, secret: &TotpSecret, offset: i64) -> String {
        secret.code_for_step(step_at(self.now()) + offset, 6)
    }

    /// Devices are added a day apart, oldest first.
    pub async fn create_account(&self, spec: AccountSpec<'_>) -> TestAccount {
        let svc = self.services();
        let password = format!("sandi-{}", hex::encode(random::<4>()));
        let new = NewAccount {
            email: OfficialEmail::parse(spec.email).unwrap(),
            full_name: PersonName::parse(spec.name).unwrap(),
            nik: spec.nik.map(|n| Nik::parse(n).unwrap()),
            phone: spec.phone.map(|p| PhoneNumber::parse(p).unwrap()),
            agency: Some("Instansi Uji".into()),
            role: spec.role,
            status: spec.status,
            password: NewPassword::parse(&password).unwrap(),
        };
        let now = self.now();
        let id = create_account(svc, new, Actor::System, now).await.unwrap();
        let mut devices = Vec::new();
        for (i, name) in spec.devices.iter().enumerate() {
            let added_at = now - (spec.devices.len() - i) as i64 * 86_400;
            let (secret, _) =
                provision_device(svc, &id, &DeviceName::parse(name).unwrap(), added_at)
                    .await
                    .unwrap();
            devices.push((name.to_string(), secret));
        }
        TestAccount {
            id: id.to_string(),
            email: spec.email.to_string(),
            password,
            devices,
        }
    }

    /// A staff member (no NIK, one device), not signed in.
    pub async fn staff_account(&self, role: Role, email: &str) -> TestAccount {
        self.create_account(AccountSpec {
            email,
            name: role.label(),
            nik: None,
            phone: None,
            role,
            ..Default::default()
        })
        .await
    }

    /// A signed-in staff member (no NIK, one device).
    pub async fn staff(&self, role: Role, email: &str) -> (TestAccount, reqwest::Client) {
        let account = self.staff_account(role, email).await;
        let client = self.client();
        assert_eq!(self.log_in(&client, &account, 0).await, StatusCode::OK);
        (account, client)
    }

    pub async fn signer(&self) -> TestAccount {
        self.create_account(AccountSpec::default()).await
    }

    /// The password step of login.
    pub async fn enter_password(
        &self,
        client: &reqwest::Client,
        account: &TestAccount,
    ) -> (StatusCode, String) {
        self.call(
            client,
            "login/password",
            &[("email", &account.email), ("password", &account.password)],
        )
        .await
    }

    /// Email + password, then a code from the device at `device`.
    pub async fn log_in(
        &self,
        client: &reqwest::Client,
        account: &TestAccount,
        device: usize,
    ) -> StatusCode {
        let (status, body) = self.enter_password(client, account).await;
        assert_eq!(status, StatusCode::OK, "password step: {body}");
        let code = self.code(account.secret(device), 0);
        self.call(client, "login/code", &[("code", &code)]).await.0
    }
}
