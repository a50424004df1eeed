//! The HTML document and the route table: the top floor, the one module
//! that knows every capability's pages.

use leptos::prelude::*;
#[cfg(feature = "ssr")]
use leptos_meta::{HashedStylesheet, MetaTags};
use leptos_meta::{Title, provide_meta_context};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::admin::accounts::pages::{AccountPage as StaffAccountPage, AccountsPage};
use crate::admin::audit::pages::AuditPage;
use crate::admin::dashboard::DashboardPage;
use crate::admin::layout::ConsoleLayout;
use crate::admin::outbox::pages::OutboxPage;
use crate::admin::review::ReviewQueuePage;
use crate::admin::service_clients::pages::ServiceClientsPage;
use crate::admin::tickets::pages::{TicketPage, TicketsPage};
use crate::helpdesk::pages::{HelpdeskPage, ReceiptPage};
use crate::identity_check::pages::{SelfieSubmittedPage, VerifyPage};
use crate::login::pages::{LoginPage, UnlockPage};
use crate::my_account::pages::{AccountPage, AddDevicePage};
use crate::otp_setup::pages::OtpSetupPage;
use crate::settings::pages::SettingsPage;
use crate::signer_import::pages::SignerImportPage;
use crate::tickets::pages::TicketStatusPage;
#[cfg(feature = "ssr")]
use crate::ui::hydration::{HydrationAssets, IdleHydration};
use crate::ui::layout::{Footer, Header};
use crate::ui::pages::{HomePage, NotFoundPage};
use crate::ui::site::brand;

/// The document around the app, rendered on the server only.
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions, hydration: HydrationAssets) -> impl IntoView {
    crate::platform::request::provide_csp_nonce();
    view! {
        <!DOCTYPE html>
        <html lang="id">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light" />
                <meta name="application-name" content=brand() />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <HashedStylesheet options=options.clone() id="leptos" />
                <AutoReload options />
                <IdleHydration assets=hydration />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let brand = brand();
    view! {
        <Title formatter=move |page: String| {
            if page.is_empty() {
                format!("Tambah Perangkat OTP · {brand}")
            } else {
                format!("{page} · Tambah Perangkat OTP · {brand}")
            }
        } />
        <Router>
            <Header />
            <main id="isi" class="page">
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async />
                    <Route path=path!("/helpdesk") view=HelpdeskPage ssr=SsrMode::Async />
                    <Route path=path!("/helpdesk/terkirim") view=ReceiptPage ssr=SsrMode::Async />
                    <Route path=path!("/tiket") view=TicketStatusPage ssr=SsrMode::Async />
                    <Route path=path!("/verifikasi/terkirim") view=SelfieSubmittedPage ssr=SsrMode::Async />
                    <Route path=path!("/verifikasi/:token") view=VerifyPage ssr=SsrMode::Async />
                    <Route path=path!("/otp/atur/:token") view=OtpSetupPage ssr=SsrMode::Async />
                    <ParentRoute path=path!("/admin") view=ConsoleLayout ssr=SsrMode::Async>
                        <Route path=path!("") view=DashboardPage ssr=SsrMode::Async />
                        <Route path=path!("verifikasi") view=ReviewQueuePage ssr=SsrMode::Async />
                        <Route path=path!("tiket") view=TicketsPage ssr=SsrMode::Async />
                        <Route path=path!("tiket/:number") view=TicketPage ssr=SsrMode::Async />
                        <Route path=path!("akun") view=AccountsPage ssr=SsrMode::Async />
                        <Route path=path!("akun/:id") view=StaffAccountPage ssr=SsrMode::Async />
                        <Route path=path!("audit") view=AuditPage ssr=SsrMode::Async />
                        <Route path=path!("surat") view=OutboxPage ssr=SsrMode::Async />
                        <Route path=path!("impor") view=SignerImportPage ssr=SsrMode::Async />
                        <Route path=path!("pengaturan") view=SettingsPage ssr=SsrMode::Async />
                        <Route path=path!("klien-layanan") view=ServiceClientsPage ssr=SsrMode::Async />
                    </ParentRoute>
                    <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async />
                    <Route path=path!("/buka-kunci") view=UnlockPage />
                    <Route path=path!("/akun") view=AccountPage ssr=SsrMode::Async />
                    <Route path=path!("/akun/perangkat-baru") view=AddDevicePage ssr=SsrMode::Async />
                </Routes>
            </main>
            <Footer />
        </Router>
    }
}
