//! The HTML document and the route table: the top floor, the one module
//! that knows every capability's pages.

use leptos::prelude::*;
#[cfg(feature = "ssr")]
use leptos_meta::{HashedStylesheet, MetaTags};
use leptos_meta::{Title, provide_meta_context};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{Lazy, LazyRoute, SsrMode, path};

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
                        <Route path=path!("") view={Lazy::<DashboardRoute>::new()} ssr=SsrMode::Async />
                        <Route path=path!("verifikasi") view={Lazy::<ReviewQueueRoute>::new()} ssr=SsrMode::Async />
                        <Route path=path!("tiket") view={Lazy::<TicketsRoute>::new()} ssr=SsrMode::Async />
                        <Route path=path!("tiket/:number") view={Lazy::<TicketRoute>::new()} ssr=SsrMode::Async />
                        <Route path=path!("akun") view={Lazy::<AccountsRoute>::new()} ssr=SsrMode::Async />
                        <Route path=path!("akun/:id") view={Lazy::<StaffAccountRoute>::new()} ssr=SsrMode::Async />
                        <Route path=path!("audit") view={Lazy::<AuditRoute>::new()} ssr=SsrMode::Async />
                        <Route path=path!("surat") view={Lazy::<OutboxRoute>::new()} ssr=SsrMode::Async />
                        <Route path=path!("impor") view={Lazy::<SignerImportRoute>::new()} ssr=SsrMode::Async />
                        <Route path=path!("pengaturan") view={Lazy::<SettingsRoute>::new()} ssr=SsrMode::Async />
                        <Route path=path!("klien-layanan") view={Lazy::<ServiceClientsRoute>::new()} ssr=SsrMode::Async />
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

/// The staff console's pages (its frame, `ConsoleLayout`, is small and stays
/// in the main bundle), all behind one lazily loaded function: the build
/// (`cargo leptos build --split`, which every build needs) puts them in a
/// chunk of their own, so a signer's page never downloads the console. One
/// chunk rather than one per page: a page-sized split leaves hundreds of
/// small chunks that compress poorly and each cost a request.
#[derive(Clone, Copy)]
enum ConsolePage {
    Dashboard,
    ReviewQueue,
    Tickets,
    Ticket,
    Accounts,
    StaffAccount,
    Audit,
    Outbox,
    SignerImport,
    Settings,
    ServiceClients,
}

#[lazy]
fn console_page(page: ConsolePage) -> AnyView {
    match page {
        ConsolePage::Dashboard => view! { <DashboardPage /> }.into_any(),
        ConsolePage::ReviewQueue => view! { <ReviewQueuePage /> }.into_any(),
        ConsolePage::Tickets => view! { <TicketsPage /> }.into_any(),
        ConsolePage::Ticket => view! { <TicketPage /> }.into_any(),
        ConsolePage::Accounts => view! { <AccountsPage /> }.into_any(),
        ConsolePage::StaffAccount => view! { <StaffAccountPage /> }.into_any(),
        ConsolePage::Audit => view! { <AuditPage /> }.into_any(),
        ConsolePage::Outbox => view! { <OutboxPage /> }.into_any(),
        ConsolePage::SignerImport => view! { <SignerImportPage /> }.into_any(),
        ConsolePage::Settings => view! { <SettingsPage /> }.into_any(),
        ConsolePage::ServiceClients => view! { <ServiceClientsPage /> }.into_any(),
    }
}

/// A route type per console page, each loading its view through
/// `console_page`.
macro_rules! console_routes {
    ($($route:ident => $page:ident,)*) => {$(
        struct $route;

        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            async fn view(_this: Self) -> AnyView {
                console_page(ConsolePage::$page).await
            }

            // Hydration needs the chunk before it starts: the router
            // preloads the matched route's.
            async fn preload() {
                #[cfg(target_arch = "wasm32")]
                __preload_console_page().await;
            }
        }
    )*};
}

console_routes! {
    DashboardRoute => Dashboard,
    ReviewQueueRoute => ReviewQueue,
    TicketsRoute => Tickets,
    TicketRoute => Ticket,
    AccountsRoute => Accounts,
    StaffAccountRoute => StaffAccount,
    AuditRoute => Audit,
    OutboxRoute => Outbox,
    SignerImportRoute => SignerImport,
    SettingsRoute => Settings,
    ServiceClientsRoute => ServiceClients,
}
