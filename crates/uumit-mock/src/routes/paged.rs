//! `page`/`page_size` query parameters and the `PagedData` shape.

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::http::Invalid;

/// The paging parameters as sent; validated by [`PageQuery::validate`]. They stay text
/// until then, so that an error names its parameter even when this struct is flattened
/// into another query (serde loses the path of a flattened field).
#[derive(Deserialize)]
pub(crate) struct PageQuery {
    #[serde(default)]
    page: Option<String>,
    #[serde(default)]
    page_size: Option<String>,
}

/// Reads an integer query parameter as FastAPI does, naming it when it is not one.
fn integer(name: &str, text: Option<&str>, default: i64) -> Result<i64, Invalid> {
    let Some(text) = text else {
        return Ok(default);
    };
    text.trim().parse::<i64>().map_err(|_| {
        Invalid::one(
            vec![json!("query"), json!(name)],
            "int_parsing",
            format!(
                "Input should be a valid integer, unable to parse string as an integer: {text:?}"
            ),
        )
    })
}

/// Valid paging: `page` from 1, `page_size` from 1 to 100.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Page {
    pub(crate) page: usize,
    pub(crate) size: usize,
}

impl PageQuery {
    pub(crate) fn validate(&self) -> Result<Page, Invalid> {
        let page = integer("page", self.page.as_deref(), 1)?;
        let size = integer("page_size", self.page_size.as_deref(), 20)?;
        if page < 1 {
            return Err(Invalid::one(
                vec![json!("query"), json!("page")],
                "greater_than_equal",
                "Input should be greater than or equal to 1",
            ));
        }
        if !(1..=100).contains(&size) {
            let kind = if size < 1 {
                "greater_than_equal"
            } else {
                "less_than_equal"
            };
            let message = if size < 1 {
                "Input should be greater than or equal to 1"
            } else {
                "Input should be less than or equal to 100"
            };
            return Err(Invalid::one(
                vec![json!("query"), json!("page_size")],
                kind,
                message,
            ));
        }
        Ok(Page {
            page: page as usize,
            size: size as usize,
        })
    }
}

impl Page {
    /// One page of `items` as `PagedData`; the items outside the page are dropped.
    pub(crate) fn slice<T>(&self, mut items: Vec<T>) -> PagedData<T> {
        let total = items.len();
        let start = (self.page - 1).saturating_mul(self.size).min(total);
        let end = start.saturating_add(self.size).min(total);
        items.truncate(end);
        items.drain(..start);
        PagedData {
            items,
            total,
            page: self.page,
            page_size: self.size,
            has_more: end < total,
        }
    }
}

/// The platform's `PagedData`, in its field order.
#[derive(Serialize)]
pub(crate) struct PagedData<T> {
    pub(crate) items: Vec<T>,
    pub(crate) total: usize,
    pub(crate) page: usize,
    pub(crate) page_size: usize,
    pub(crate) has_more: bool,
}

impl<T> PagedData<T> {
    /// Maps the items of the page, keeping the paging fields.
    pub(crate) fn map<U>(self, f: impl FnMut(T) -> U) -> PagedData<U> {
        PagedData {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            page: self.page,
            page_size: self.page_size,
            has_more: self.has_more,
        }
    }
}
