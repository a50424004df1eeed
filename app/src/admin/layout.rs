//! The console's frame: who is signed in, the navigation for their role,
//! and the screen below it.

use leptos::prelude::*;
use leptos_router::components::{A, Outlet, Redirect};

use crate::accounts::server_fns::{StaffMember, staff_me};
use crate::accounts::types::Role;
use crate::error::AppError;
use crate::ui::controls::ErrorMessage;

#[component]
pub fn ConsoleLayout() -> impl IntoView {
    let me = Resource::new(|| (), |_| staff_me());
    view! {
        <Suspense fallback=|| view! { <p>"Memuat…"</p> }>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(member) => {
                        provide_context(member.clone());
                        view! { <ConsoleNav member /> <Outlet /> }.into_any()
                    }
                    Err(AppError::Unauthenticated) => view! { <Redirect path="/login" /> }.into_any(),
                    Err(AppError::Forbidden) => view! {
                        <h1>"Khusus petugas"</h1>
                        <ErrorMessage error=AppError::Forbidden />
                        <p><a href="/akun">"Kembali ke Akun Saya"</a></p>
                    }.into_any(),
                    Err(error) => view! { <ErrorMessage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Whether the signed-in staff member is an admin (screens hide what only
/// admins may do; the server refuses it anyway).
pub fn is_admin() -> bool {
    use_context::<StaffMember>().is_some_and(|m| m.role == Role::Admin)
}

#[component]
fn ConsoleNav(member: StaffMember) -> impl IntoView {
    let is_admin = member.role == Role::Admin;
    view! {
        <nav class="console-nav" aria-label="Navigasi konsol petugas">
            <span class="console-nav__who">
                {format!("{} · {}", member.full_name, member.role.label())}
            </span>
            <A href="/admin" exact=true>"Dasbor"</A>
            <A href="/admin/verifikasi">"Verifikasi"</A>
            <A href="/admin/tiket">"Tiket"</A>
            <A href="/admin/akun">"Akun"</A>
            {is_admin.then(|| view! {
                <A href="/admin/audit">"Log audit"</A>
                <A href="/admin/surat">"Kotak keluar"</A>
                <A href="/admin/impor">"Impor signer"</A>
                <A href="/admin/klien-layanan">"Klien layanan"</A>
                <A href="/admin/pengaturan">"Pengaturan"</A>
            })}
        </nav>
    }
}
