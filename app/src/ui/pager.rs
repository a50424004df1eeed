//! Paged lists whose filters live in the query string: the page count, the
//! link to another page with the same filters, and the "previous / next"
//! navigation.

use leptos::prelude::*;
use leptos_router::components::A;

/// How many pages `total` rows fill, at least one.
pub fn page_count(total: i64, per_page: u32) -> u32 {
    let per_page = i64::from(per_page.max(1));
    u32::try_from((total.max(1) - 1) / per_page + 1).unwrap_or(u32::MAX)
}

/// Percent-encodes a query value (letters, digits and `-._~` stay).
pub fn url_component(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `path?name=value&…`: the non-empty filters, then `page` when there is one.
pub fn filtered_href(path: &str, filters: &[(&str, &str)], page: Option<u32>) -> String {
    let mut pairs: Vec<String> = filters
        .iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(name, value)| format!("{name}={}", url_component(value)))
        .collect();
    pairs.extend(page.map(|page| format!("page={page}")));
    if pairs.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", pairs.join("&"))
    }
}

/// "‹ Sebelumnya" and "Berikutnya ›" links to the pages beside `page`,
/// keeping the `filters`.
#[component]
pub fn Pager(
    path: &'static str,
    filters: Vec<(&'static str, String)>,
    page: u32,
    pages: u32,
) -> impl IntoView {
    let href = move |page: u32| {
        let pairs: Vec<(&str, &str)> = filters.iter().map(|(n, v)| (*n, v.as_str())).collect();
        filtered_href(path, &pairs, Some(page))
    };
    view! {
        <nav class="pagination" aria-label="Halaman">
            {(page > 1).then(|| view! { <A href=href(page - 1)>"‹ Sebelumnya"</A> })}
            {(page < pages).then(|| view! { <A href=href(page + 1)>"Berikutnya ›"</A> })}
        </nav>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_cover_every_row() {
        assert_eq!(page_count(0, 50), 1);
        assert_eq!(page_count(50, 50), 1);
        assert_eq!(page_count(51, 50), 2);
    }

    #[test]
    fn hrefs_keep_filled_filters_encoded() {
        assert_eq!(
            filtered_href(
                "/admin/audit",
                &[("actor", "a b@x"), ("action", "")],
                Some(2)
            ),
            "/admin/audit?actor=a%20b%40x&page=2"
        );
        assert_eq!(
            filtered_href("/admin/audit.csv", &[("from", "")], None),
            "/admin/audit.csv"
        );
    }
}
