//! Layout and controls shared by every page.

pub mod controls;
pub mod countdown;
pub mod layout;
pub mod pages;
pub mod shell;
pub mod site;
