//! Page pieces that know no capability: the header and footer, form
//! controls, paged lists, error messages, the brand, and the home and not-found pages.

pub mod controls;
#[cfg(feature = "ssr")]
pub mod hydration;
pub mod in_place;
pub mod layout;
pub mod pager;
pub mod pages;
pub mod site;
