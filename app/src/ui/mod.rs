//! Page pieces that know no capability: the header and footer, form
//! controls, paged lists, error messages, the brand, and the home and not-found pages.

pub mod controls;
pub mod layout;
pub mod pager;
pub mod pages;
pub mod site;
