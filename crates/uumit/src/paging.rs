//! Lists as lazy streams: [`Paginate`] for `page`/`page_size` lists and [`Follow`] for
//! cursor-paged lists such as the recommendation feed.

use std::collections::HashSet;

use futures::stream::{self, Stream, TryStreamExt};
use uumit_api::{CursorOperation, PagedOperation};

use crate::call::Call;
use crate::error::{Error, ErrorKind, Result};

/// Most pages a stream fetches before it stops with an error: a guard against a server
/// that reports `has_more` forever.
pub const MAX_PAGES: u64 = 100_000;

/// Streams of a page-based list (`PagedData`), fetched one page at a time as the stream
/// is polled.
///
/// ```no_run
/// # async fn run(client: uumit::Client) -> uumit::Result<()> {
/// use futures::TryStreamExt;
/// use uumit::prelude::*;
///
/// let mut items = std::pin::pin!(client.list_capabilities().page_size(50).items());
/// while let Some(capability) = items.try_next().await? {
///     println!("{} {}", capability.id, capability.title);
/// }
/// # Ok(())
/// # }
/// ```
pub trait Paginate<'a>: PagedOperation<'a> + Call<'a> {
    /// Pages from page 1 until the server reports `has_more: false` or sends an empty
    /// page.
    fn pages(self) -> impl Stream<Item = Result<Self::Data>> + Send + 'a {
        stream::try_unfold(Some((self, 1u64)), |state| async move {
            let Some((builder, page)) = state else {
                return Ok(None);
            };
            if page > MAX_PAGES {
                let message =
                    format!("the server still reported more items after {MAX_PAGES} pages");
                return Err(guard_error(Self::NAME, message));
            }
            let data = builder.clone().with_page(page).call().await?;
            let (count, has_more) = Self::page_info(&data);
            let next = (has_more && count > 0).then_some((builder, page + 1));
            Ok(Some((data, next)))
        })
    }

    /// Items of every page, in order.
    fn items(self) -> impl Stream<Item = Result<Self::Item>> + Send + 'a {
        self.pages()
            .map_ok(|data| stream::iter(Self::into_items(data).into_iter().map(Ok)))
            .try_flatten()
    }
}

impl<'a, T: PagedOperation<'a> + Call<'a>> Paginate<'a> for T {}

/// Streams of a cursor-paged list.
pub trait Follow<'a>: CursorOperation<'a> + Call<'a> {
    /// Pages until `has_more` is false or `next_cursor` is missing. A cursor the server
    /// already sent ends the stream with an error instead of looping.
    fn pages(self) -> impl Stream<Item = Result<Self::Data>> + Send + 'a {
        let start = Some((self, None::<String>, HashSet::<String>::new()));
        stream::try_unfold(start, |state| async move {
            let Some((builder, cursor, mut seen)) = state else {
                return Ok(None);
            };
            let request = match cursor {
                Some(cursor) => builder.clone().with_cursor(cursor),
                None => builder.clone(),
            };
            let data = request.call().await?;
            let next = match Self::next_cursor(&data) {
                Some(cursor) if !seen.insert(cursor.clone()) => {
                    let message = format!(
                        "the server repeated cursor {cursor:?}; stopping instead of looping"
                    );
                    return Err(guard_error(Self::NAME, message));
                }
                Some(cursor) => Some((builder, Some(cursor), seen)),
                None => None,
            };
            Ok(Some((data, next)))
        })
    }

    /// Items of every page, in order.
    fn items(self) -> impl Stream<Item = Result<Self::Item>> + Send + 'a {
        self.pages()
            .map_ok(|data| stream::iter(Self::into_items(data).into_iter().map(Ok)))
            .try_flatten()
    }
}

impl<'a, T: CursorOperation<'a> + Call<'a>> Follow<'a> for T {}

fn guard_error(operation: &'static str, message: String) -> Error {
    Error::new(ErrorKind::Decode, message).with_operation(operation)
}
