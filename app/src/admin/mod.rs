//! The staff console (/admin): one file per screen, around the shared
//! navigation in `layout`. Screens only arrange what the capabilities below
//! provide; the rules and the queries live there, and every server function
//! a screen calls is under `staff/` (or `admin/`, admins only) and checks
//! the role on the server.

pub mod accounts;
pub mod audit;
pub mod dashboard;
pub mod layout;
pub mod outbox;
pub mod review;
pub mod service_clients;
pub mod tables;
pub mod tickets;
