//! The one list component of the registers (companies, users, contracts,
//! terminals): a search box, sortable column headers and pages, all on the
//! server and in the query string (`q`, `sort`, `dir`, `page`, `per`), so a
//! list can be bookmarked, works without script and never sends more rows
//! than a page holds.

use std::cmp::Ordering;

use maud::{html, Markup};
use serde::Deserialize;

use super::{Lang, Text};

/// Rows a page holds unless the query says otherwise.
pub(super) const DEFAULT_PER_PAGE: usize = 20;
/// The most rows a page may hold, whatever the query asks.
pub(super) const MAX_PER_PAGE: usize = 100;

/// A list's query string.
#[derive(Debug, Clone, Default, Deserialize)]
pub(super) struct ListQuery {
    /// Words every row shown must contain (any case).
    #[serde(default)]
    pub q: Option<String>,
    /// The column sorted on (one of the list's keys).
    #[serde(default)]
    pub sort: Option<String>,
    /// `desc` for descending; anything else ascending.
    #[serde(default)]
    pub dir: Option<String>,
    /// The page, from 1.
    #[serde(default)]
    pub page: Option<usize>,
    /// Rows a page, bounded to 1..=[`MAX_PER_PAGE`].
    #[serde(default)]
    pub per: Option<usize>,
}

/// What a row is sorted by in one column.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum SortKey {
    /// Text, compared as is (after lower-casing).
    Text(String),
    /// A number (a time, a count).
    Number(i64),
}

/// A sortable column: its key in the query and how a row sorts in it.
pub(super) struct Sort<'a, T> {
    /// The key in `sort=`.
    pub key: &'static str,
    /// The row's value.
    pub by: &'a dyn Fn(&T) -> SortKey,
}

/// One page of a list, and what the controls need to draw themselves.
pub(super) struct Listed<'t, T> {
    /// The rows of this page, in order.
    pub rows: Vec<&'t T>,
    /// Rows matching the search (all pages).
    pub matching: usize,
    /// This page, from 1.
    pub page: usize,
    /// Pages in all (at least 1).
    pub pages: usize,
    /// Rows a page.
    pub per: usize,
    /// The search as given (trimmed).
    pub q: String,
    /// The column sorted on, if a known one.
    pub sort: Option<&'static str>,
    /// Whether descending.
    pub desc: bool,
}

impl ListQuery {
    fn per(&self) -> usize {
        self.per.unwrap_or(DEFAULT_PER_PAGE).clamp(1, MAX_PER_PAGE)
    }
}

/// Filters `rows` by the query's words (each must occur in `text` of the
/// row), sorts them by the chosen column (`default` when none is chosen
/// or known), and cuts the page asked for (the last one if past the end).
pub(super) fn list<'t, T>(
    query: &ListQuery,
    rows: &'t [T],
    text: &dyn Fn(&T) -> String,
    sorts: &[Sort<'_, T>],
    default: (&'static str, bool),
) -> Listed<'t, T> {
    let q = query.q.as_deref().unwrap_or("").trim().to_owned();
    let words: Vec<String> = q
        .to_lowercase()
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let mut found: Vec<&T> = rows
        .iter()
        .filter(|r| {
            let hay = text(r).to_lowercase();
            words.iter().all(|w| hay.contains(w.as_str()))
        })
        .collect();
    let chosen = query
        .sort
        .as_deref()
        .and_then(|k| sorts.iter().find(|s| s.key == k));
    let (sort, desc) = match chosen {
        Some(s) => (Some(s.key), query.dir.as_deref() == Some("desc")),
        None => (
            sorts.iter().find(|s| s.key == default.0).map(|s| s.key),
            default.1,
        ),
    };
    if let Some(by) = sort.and_then(|k| sorts.iter().find(|s| s.key == k)) {
        let key = |r: &T| match (by.by)(r) {
            SortKey::Text(t) => SortKey::Text(t.to_lowercase()),
            n => n,
        };
        found.sort_by(|a, b| {
            let order: Ordering = key(a).cmp(&key(b));
            if desc {
                order.reverse()
            } else {
                order
            }
        });
    }
    let per = query.per();
    let matching = found.len();
    let pages = matching.div_ceil(per).max(1);
    let page = query.page.unwrap_or(1).clamp(1, pages);
    let rows = found.into_iter().skip((page - 1) * per).take(per).collect();
    Listed {
        rows,
        matching,
        page,
        pages,
        per,
        q,
        sort,
        desc,
    }
}

impl<T> Listed<'_, T> {
    /// The address of this list with `changes` made to its query.
    fn href(&self, path: &str, sort: Option<(&str, bool)>, page: usize) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        if !self.q.is_empty() {
            query.append_pair("q", &self.q);
        }
        let sort = sort.or(self.sort.map(|s| (s, self.desc)));
        if let Some((key, desc)) = sort {
            query.append_pair("sort", key);
            query.append_pair("dir", if desc { "desc" } else { "asc" });
        }
        if page > 1 {
            query.append_pair("page", &page.to_string());
        }
        if self.per != DEFAULT_PER_PAGE {
            query.append_pair("per", &self.per.to_string());
        }
        let query = query.finish();
        if query.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{query}")
        }
    }

    /// The search box of the list at `path` (`id` names the list).
    pub(super) fn search(&self, lang: Lang, path: &str, id: &str) -> Markup {
        html! {
            form method="get" action=(path) class="list-search" role="search" id={ (id) "-search" } {
                label for={ (id) "-q" } { (lang.t(Text::SearchWords)) }
                input type="search" name="q" id={ (id) "-q" } value=(self.q);
                @if let Some(sort) = self.sort {
                    input type="hidden" name="sort" value=(sort);
                    input type="hidden" name="dir" value=(if self.desc { "desc" } else { "asc" });
                }
                button type="submit" { (lang.t(Text::Search)) }
                " "
                span class="note" id={ (id) "-count" } data-count=(self.matching) {
                    (lang.t(Text::Matching).replace("{}", &self.matching.to_string()))
                }
            }
        }
    }

    /// A column header: a link that sorts on `key` (ascending first, then
    /// the other way), with `aria-sort` on the column sorted.
    pub(super) fn header(&self, path: &str, key: &'static str, label: &str) -> Markup {
        let current = self.sort == Some(key);
        let aria = current.then_some(if self.desc { "descending" } else { "ascending" });
        let next_desc = current && !self.desc;
        html! {
            th aria-sort=[aria] {
                a class="sort" data-sort=(key) href=(self.href(path, Some((key, next_desc)), 1)) {
                    (label)
                    @if current { " " span aria-hidden="true" { (if self.desc { "▼" } else { "▲" }) } }
                }
            }
        }
    }

    /// The page links under the list.
    pub(super) fn pager(&self, lang: Lang, path: &str, id: &str) -> Markup {
        html! {
            @if self.pages > 1 {
                nav class="pager" aria-label=(lang.t(Text::Pages)) id={ (id) "-pages" } {
                    @if self.page > 1 {
                        a rel="prev" class="pager-prev" href=(self.href(path, None, self.page - 1)) { (lang.t(Text::PreviousPage)) }
                    }
                    " "
                    span class="pager-at" data-page=(self.page) data-pages=(self.pages) {
                        (lang.t(Text::PageOf).replacen("{}", &self.page.to_string(), 1).replacen("{}", &self.pages.to_string(), 1))
                    }
                    " "
                    @if self.page < self.pages {
                        a rel="next" class="pager-next" href=(self.href(path, None, self.page + 1)) { (lang.t(Text::NextPage)) }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(q: &str, sort: &str, dir: &str, page: usize, per: usize) -> ListQuery {
        ListQuery {
            q: Some(q.to_owned()),
            sort: Some(sort.to_owned()),
            dir: Some(dir.to_owned()),
            page: Some(page),
            per: Some(per),
        }
    }

    #[test]
    fn searches_sorts_and_cuts_pages() {
        let rows: Vec<(String, i64)> = (1..=25).map(|i| (format!("name {i:02}"), i)).collect();
        let text = |r: &(String, i64)| r.0.clone();
        let by_n = |r: &(String, i64)| SortKey::Number(r.1);
        let by_name = |r: &(String, i64)| SortKey::Text(r.0.clone());
        let sorts = [
            Sort {
                key: "n",
                by: &by_n,
            },
            Sort {
                key: "name",
                by: &by_name,
            },
        ];
        let listed = list(
            &query("", "n", "desc", 2, 10),
            &rows,
            &text,
            &sorts,
            ("name", false),
        );
        assert_eq!(listed.matching, 25);
        assert_eq!(listed.pages, 3);
        assert_eq!(listed.rows.first().map(|r| r.1), Some(15));
        assert_eq!(listed.rows.len(), 10);
        // Every word must occur (any case): "1" is in 01, 10-19 and 21; a
        // page past the end is the last one.
        let listed = list(
            &query("NAME 1", "name", "asc", 9, 10),
            &rows,
            &text,
            &sorts,
            ("name", false),
        );
        assert_eq!(listed.matching, 12);
        assert_eq!(listed.page, 2);
        assert_eq!(
            listed.rows.iter().map(|r| r.1).collect::<Vec<_>>(),
            [19, 21]
        );
        // An unknown column falls back to the default; the size is bounded.
        let listed = list(
            &query("", "x", "asc", 1, 100_000),
            &rows,
            &text,
            &sorts,
            ("n", true),
        );
        assert_eq!(listed.sort, Some("n"));
        assert_eq!(listed.per, MAX_PER_PAGE);
        assert_eq!(listed.rows.first().map(|r| r.1), Some(25));
    }

    #[test]
    fn links_keep_the_search_and_the_order() {
        let rows = vec![1_i64, 2, 3];
        let text = |r: &i64| r.to_string();
        let by = |r: &i64| SortKey::Number(*r);
        let sorts = [Sort { key: "n", by: &by }];
        let q = ListQuery {
            q: Some("a b&c".into()),
            per: Some(1),
            ..ListQuery::default()
        };
        let listed = list(&q, &rows, &text, &sorts, ("n", false));
        assert_eq!(
            listed.href("/admin/users", None, 2),
            "/admin/users?q=a+b%26c&sort=n&dir=asc&page=2&per=1"
        );
    }
}
