//! Server-function calls, pages, and the visible text of a page.

use reqwest::StatusCode;

use super::spawn::TestApp;

/// A server function's form fields.
pub type Form<'a> = &'a [(&'a str, &'a str)];

impl TestApp {
    /// Posts a form to a server function the way a script would (JSON answer).
    pub async fn call(
        &self,
        client: &reqwest::Client,
        endpoint: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, String) {
        let response = client
            .post(self.url(&format!("/api/{endpoint}")))
            .form(form)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST /api/{endpoint}: {e:?}"));
        let status = response.status();
        (status, response.text().await.unwrap())
    }

    pub async fn get_page(&self, client: &reqwest::Client, path: &str) -> (StatusCode, String) {
        let response = client
            .get(self.url(path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e:?}"));
        let status = response.status();
        (status, response.text().await.unwrap())
    }
}

/// The visible text of an HTML page, tags removed and whitespace collapsed.
pub fn page_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
