//! Page pieces that know no capability: the header and footer, form
//! controls, error messages, the brand, and the home and not-found pages.

pub mod controls;
pub mod layout;
pub mod pages;
pub mod site;
