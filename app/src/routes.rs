//! The HTML document and the route table: the top floor, the one module
//! that knows every capability's pages.

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{Lazy, LazyRoute, SsrMode, lazy_route, path};

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
use crate::ui::layout::{Footer, Header};
use crate::ui::pages::{HomePage, NotFoundPage};
use crate::ui::site::brand;

/// The document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
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
                <AutoReload options=options.clone() />
                <HydrationScripts options />
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
                <Routes fallback=|| {
                    mark_live();
                    view! { <NotFoundPage /> }
                }>
                    <Route path=path!("/") view={Lazy::<HomePageRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/helpdesk") view={Lazy::<HelpdeskPageRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/helpdesk/terkirim") view={Lazy::<ReceiptPageRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/tiket") view={Lazy::<TicketStatusPageRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/verifikasi/terkirim") view={Lazy::<SelfieSubmittedPageRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/verifikasi/:token") view={Lazy::<VerifyPageRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/otp/atur/:token") view={Lazy::<OtpSetupPageRoute>::new()} ssr=SsrMode::Async />
                    <ParentRoute path=path!("/admin") view={Lazy::<ConsoleLayoutRoute>::new()} ssr=SsrMode::Async>
                        <Route path=path!("") view={Lazy::<DashboardPageRoute>::new()} ssr=SsrMode::Async />
                        <Route path=path!("verifikasi") view={Lazy::<ReviewQueuePageRoute>::new()} ssr=SsrMode::Async />
                        <Route path=path!("tiket") view={Lazy::<TicketsPageRoute>::new()} ssr=SsrMode::Async />
                        <Route path=path!("tiket/:number") view={Lazy::<TicketPageRoute>::new()} ssr=SsrMode::Async />
                        <Route path=path!("akun") view={Lazy::<AccountsPageRoute>::new()} ssr=SsrMode::Async />
                        <Route path=path!("akun/:id") view={Lazy::<StaffAccountPageRoute>::new()} ssr=SsrMode::Async />
                        <Route path=path!("audit") view={Lazy::<AuditPageRoute>::new()} ssr=SsrMode::Async />
                        <Route path=path!("surat") view={Lazy::<OutboxPageRoute>::new()} ssr=SsrMode::Async />
                        <Route path=path!("impor") view={Lazy::<SignerImportPageRoute>::new()} ssr=SsrMode::Async />
                        <Route path=path!("pengaturan") view={Lazy::<SettingsPageRoute>::new()} ssr=SsrMode::Async />
                        <Route path=path!("klien-layanan") view={Lazy::<ServiceClientsPageRoute>::new()} ssr=SsrMode::Async />
                    </ParentRoute>
                    <Route path=path!("/login") view={Lazy::<LoginPageRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/buka-kunci") view={Lazy::<UnlockPageRoute>::new()} />
                    <Route path=path!("/akun") view={Lazy::<AccountPageRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/akun/perangkat-baru") view={Lazy::<AddDevicePageRoute>::new()} ssr=SsrMode::Async />
                </Routes>
            </main>
            <Footer />
        </Router>
    }
}

/// Every page's code is a chunk of its own (`cargo leptos build --split`),
/// loaded with the page: a signer page never downloads the staff console,
/// the camera or another page's code.
macro_rules! lazy_pages {
    ($($route:ident => $page:ident,)*) => {$(
        struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> AnyView {
                mark_live();
                view! { <$page /> }.into_any()
            }
        }
    )*};
}

lazy_pages! {
    AccountPageRoute => AccountPage,
    AccountsPageRoute => AccountsPage,
    AddDevicePageRoute => AddDevicePage,
    AuditPageRoute => AuditPage,
    ConsoleLayoutRoute => ConsoleLayout,
    DashboardPageRoute => DashboardPage,
    HelpdeskPageRoute => HelpdeskPage,
    HomePageRoute => HomePage,
    LoginPageRoute => LoginPage,
    OtpSetupPageRoute => OtpSetupPage,
    OutboxPageRoute => OutboxPage,
    ReceiptPageRoute => ReceiptPage,
    ReviewQueuePageRoute => ReviewQueuePage,
    SelfieSubmittedPageRoute => SelfieSubmittedPage,
    ServiceClientsPageRoute => ServiceClientsPage,
    SettingsPageRoute => SettingsPage,
    SignerImportPageRoute => SignerImportPage,
    StaffAccountPageRoute => StaffAccountPage,
    TicketPageRoute => TicketPage,
    TicketStatusPageRoute => TicketStatusPage,
    TicketsPageRoute => TicketsPage,
    UnlockPageRoute => UnlockPage,
    VerifyPageRoute => VerifyPage,
}

/// Lets styles and end-to-end tests tell a live page from a static one: the
/// mark comes once the page's own code has arrived and hydrated it.
fn mark_live() {
    Effect::new(|| {
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
}
