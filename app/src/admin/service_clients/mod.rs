//! Service clients in the console (/admin/klien-layanan, admins only): the
//! list, creating one (its token shown this once), changing a budget and
//! revoking. The rules are `service_clients`', shared with the command line.

pub mod pages;
pub mod server_fns;
pub mod views;
