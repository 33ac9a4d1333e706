//! The everyday REST commands: `stats`, `wallet`, `capabilities`, `tx` and `feed`, each
//! through the generated builders.

use clap::Subcommand;
use futures::TryStreamExt;
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use uumit::prelude::*;
use uumit::{CallOptions, Reply, types};

use crate::failure::{Failure, Outcome};
use crate::output::{self, Output, Progress, View};
use crate::session::Session;

/// A JSON object, as capability inputs and delivery results are.
type JsonObject = serde_json::Map<String, serde_json::Value>;

/// Page options of a list command.
#[derive(clap::Args, Debug)]
pub(crate) struct PageArgs {
    /// Page to show, counted from 1
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) page: u64,
    /// Items per page, 1 to 100
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=100))]
    pub(crate) page_size: u64,
    /// Follow every page from the first and show all items (ignores --page)
    #[arg(long)]
    pub(crate) all: bool,
}

/// Lists a page, or every page with `--all`, as a table of `columns`.
pub(crate) async fn show_pages<'a, O>(
    out: Output,
    builder: O,
    pages: &PageArgs,
    columns: &[&str],
) -> Outcome
where
    O: Paginate<'a>,
    O::Data: Serialize,
    O::Item: Serialize,
{
    let builder = builder.with_page(pages.page);
    if !pages.all {
        let data = builder.call().await?;
        out.show(&data, View::Table(columns))?;
        let (count, has_more) = O::page_info(&data);
        if has_more {
            let next = pages.page + 1;
            out.note(format!(
                "{count} shown; more with --page {next}, or --all for every page"
            ));
        }
        return Ok(());
    }
    let mut progress = Progress::new();
    let mut stream = std::pin::pin!(builder.pages());
    let mut items = Vec::new();
    while let Some(page) = stream.try_next().await? {
        items.extend(O::into_items(page));
        progress.update(format!("{} items so far", items.len()));
    }
    drop(progress);
    out.show(&items, View::Table(columns))
}

/// Reads `--body`: inline JSON, or `@path` for a file's JSON.
pub(crate) fn read_json(text: &str, flag: &str) -> Outcome<serde_json::Value> {
    let (source, json) = match text.strip_prefix('@') {
        Some(path) => {
            let json = std::fs::read_to_string(path)
                .map_err(|e| Failure::usage(format!("cannot read {flag} file {path}: {e}")))?;
            (path.to_owned(), json)
        }
        None => (flag.to_owned(), text.to_owned()),
    };
    serde_json::from_str(&json)
        .map_err(|e| Failure::usage(format!("{source} is not valid JSON: {e}")))
}

/// Reads `--body` into the operation's body type, naming the field serde rejects.
pub(crate) fn read_body<T: DeserializeOwned>(text: &str, flag: &str) -> Outcome<T> {
    let value = read_json(text, flag)?;
    serde_json::from_value(value).map_err(|e| {
        Failure::usage(format!("{flag} does not fit the operation's body: {e}"))
            .hint("`uumit api --list` names the operation; its schema is in openapi.json")
    })
}

/// Options with the idempotency key the user chose, if any.
pub(crate) fn options(key: &Option<String>) -> CallOptions {
    match key {
        Some(key) => CallOptions::new().idempotency_key(key),
        None => CallOptions::new(),
    }
}

/// Formats the line that gives a mutating call's idempotency key and how to reuse it.
pub(crate) fn key_notice(key: &str) -> String {
    let word = crate::failure::shell_word(key);
    format!("Idempotency-Key {key}: pass --idempotency-key {word} to retry without paying twice")
}

/// Shows a mutating call's result and the key that makes a retry safe.
pub(crate) fn show_reply<T: Serialize>(out: Output, reply: &Reply<T>, fields: &[&str]) -> Outcome {
    out.show(&reply.data, View::Fields(fields))?;
    if let Some(key) = &reply.idempotency_key {
        out.keep(key_notice(key));
    }
    Ok(())
}

/// Shows the community statistics.
pub(crate) async fn stats(session: &Session) -> Outcome {
    let stats = session
        .public_client()?
        .get_community_stats()
        .call()
        .await?;
    session.out.show(&stats, View::Fields(&[]))
}

/// `uumit wallet` subcommands.
#[derive(Subcommand, Debug)]
pub(crate) enum WalletCommand {
    /// Shows available, frozen and total UT and cash (the default)
    Show,
    /// Lists the ledger entries, newest first
    Transactions {
        /// Only entries of this type: income, expense, freeze, unfreeze, ...
        #[arg(long = "type", value_name = "TYPE")]
        kind: Option<String>,
        #[command(flatten)]
        pages: PageArgs,
    },
    /// Shows income and spending totals
    Stats,
    /// Shows the exchange rates between UT and cash
    Rates,
}

pub(crate) async fn wallet(session: &Session, command: Option<WalletCommand>) -> Outcome {
    let client = session.client()?;
    let out = session.out;
    match command.unwrap_or(WalletCommand::Show) {
        WalletCommand::Show => {
            let wallet = client.get_wallet().call().await?;
            out.show(&wallet, View::Fields(&[]))
        }
        WalletCommand::Transactions { kind, pages } => {
            let mut builder = client.list_wallet_transactions();
            if let Some(kind) = kind {
                builder = builder.type_(&*kind);
            }
            let columns = [
                "created_at",
                "type",
                "amount_ut",
                "balance_after",
                "description",
            ];
            show_pages(out, builder.page_size(pages.page_size), &pages, &columns).await
        }
        WalletCommand::Stats => {
            let stats = client.get_wallet_stats().call().await?;
            out.show(&stats, View::Fields(&[]))
        }
        WalletCommand::Rates => {
            let rates = client.get_wallet_rates().call().await?;
            out.show(&rates, View::Fields(&[]))
        }
    }
}

const CAPABILITY_COLUMNS: &[&str] = &["id", "title", "price_ut", "pricing_model", "category"];
const CAPABILITY_FIELDS: &[&str] = &[
    "id",
    "title",
    "description",
    "category",
    "capability_type",
    "pricing_model",
    "price_ut",
    "delivery_mode",
    "status",
    "agent_id",
    "tags",
    "created_at",
];

/// `uumit capabilities` subcommands.
#[derive(Subcommand, Debug)]
pub(crate) enum CapabilitiesCommand {
    /// Lists published capabilities
    List {
        /// Only this category, for example `ai_model`
        #[arg(long)]
        category: Option<String>,
        /// Only this capability type
        #[arg(long = "type", value_name = "TYPE")]
        capability_type: Option<String>,
        /// Only capabilities of this agent
        #[arg(long, value_name = "UUID")]
        agent: Option<Uuid>,
        #[command(flatten)]
        pages: PageArgs,
    },
    /// Shows one capability
    Get {
        /// The capability's id
        id: Uuid,
    },
    /// Publishes a capability described by a JSON body (title, description, category,
    /// capability_type, pricing_model, price_ut, delivery_mode, ...)
    Create {
        /// The body: JSON, or @FILE to read it from a file
        #[arg(long, value_name = "JSON|@FILE")]
        body: String,
        /// Key that makes a retry of this call free [default: a new UUID]
        #[arg(long, value_name = "KEY")]
        idempotency_key: Option<String>,
    },
    /// Calls a per-use capability and pays its price
    Invoke {
        /// The capability's id
        id: Uuid,
        /// The input, a JSON object
        #[arg(long, default_value = "{}", value_name = "JSON|@FILE")]
        input: String,
        /// Key that makes a retry of this call free [default: a new UUID]
        #[arg(long, value_name = "KEY")]
        idempotency_key: Option<String>,
    },
}

pub(crate) async fn capabilities(session: &Session, command: CapabilitiesCommand) -> Outcome {
    let out = session.out;
    match command {
        CapabilitiesCommand::List {
            category,
            capability_type,
            agent,
            pages,
        } => {
            let client = session.client()?;
            let mut builder = client.list_capabilities();
            if let Some(category) = category {
                builder = builder.category(category);
            }
            if let Some(kind) = capability_type {
                builder = builder.capability_type(&*kind);
            }
            if let Some(agent) = agent {
                builder = builder.agent_id(agent);
            }
            show_pages(
                out,
                builder.page_size(pages.page_size),
                &pages,
                CAPABILITY_COLUMNS,
            )
            .await
        }
        CapabilitiesCommand::Get { id } => {
            let client = session.client()?;
            let capability = client.get_capability().cap_id(id).call().await?;
            out.show(&capability, View::Fields(CAPABILITY_FIELDS))
        }
        CapabilitiesCommand::Create {
            body,
            idempotency_key,
        } => {
            let body: types::CapabilityCreate = read_body(&body, "--body")?;
            let client = session.client()?;
            let reply = client
                .create_capability()
                .body(body)
                .call_with(options(&idempotency_key))
                .await?;
            show_reply(out, &reply, CAPABILITY_FIELDS)
        }
        CapabilitiesCommand::Invoke {
            id,
            input,
            idempotency_key,
        } => {
            let input: JsonObject = read_body(&input, "--input")?;
            let body = types::CapabilityInvoke::builder().input(input);
            let client = session.client()?;
            let call = client.invoke_capability().cap_id(id).body(body);
            let reply = call.call_with(options(&idempotency_key)).await?;
            let fields = [
                "transaction_id",
                "status",
                "charged_ut",
                "latency_ms",
                "result",
            ];
            show_reply(out, &reply, &fields)
        }
    }
}

const TX_COLUMNS: &[&str] = &["id", "status", "price_ut", "capability_id", "created_at"];
const TX_FIELDS: &[&str] = &[
    "id",
    "status",
    "price_ut",
    "transaction_type",
    "capability_id",
    "buyer_user_id",
    "seller_user_id",
    "booked_hours",
    "result_payload",
    "created_at",
    "updated_at",
];

/// `uumit tx` subcommands.
#[derive(Subcommand, Debug)]
pub(crate) enum TxCommand {
    /// Buys a capability: creates a transaction in pending_freeze
    Create {
        /// The capability to buy
        capability: Uuid,
        /// Hours booked, for per_hour capabilities
        #[arg(long)]
        hours: Option<u64>,
        /// Key that makes a retry of this call free [default: a new UUID]
        #[arg(long, value_name = "KEY")]
        idempotency_key: Option<String>,
    },
    /// Shows one transaction
    Get {
        /// The transaction's id
        id: Uuid,
    },
    /// Lists your transactions
    List {
        /// Only those where you are the buyer or the seller
        #[arg(long, value_parser = ["buyer", "seller"])]
        role: Option<String>,
        /// Only this status, for example frozen or settled
        #[arg(long)]
        status: Option<String>,
        #[command(flatten)]
        pages: PageArgs,
    },
    /// Buyer: moves the price from available to frozen UT
    Freeze(TxStep),
    /// Seller: takes on a frozen transaction
    Accept(TxStep),
    /// Seller: declines a frozen transaction; the buyer is refunded
    Reject(TxStep),
    /// Seller: hands over the result
    Deliver {
        #[command(flatten)]
        step: TxStep,
        /// The result, a JSON object
        #[arg(long, default_value = "{}", value_name = "JSON|@FILE")]
        result: String,
    },
    /// Buyer: accepts the delivery; the seller is paid
    Confirm(TxStep),
    /// Buyer: cancels before acceptance; a frozen price is refunded
    Cancel(TxStep),
}

/// The transaction a state change applies to.
#[derive(clap::Args, Debug)]
pub(crate) struct TxStep {
    /// The transaction's id
    id: Uuid,
    /// Key that makes a retry of this call free [default: a new UUID]
    #[arg(long, value_name = "KEY")]
    idempotency_key: Option<String>,
}

pub(crate) async fn tx(session: &Session, command: TxCommand) -> Outcome {
    let out = session.out;
    let client = session.client()?;
    let reply = match command {
        TxCommand::Create {
            capability,
            hours,
            idempotency_key,
        } => {
            let mut body = types::TransactionCreate::builder().capability_id(capability);
            if let Some(hours) = hours {
                body = body.booked_hours(Some(nonzero(hours, "--hours")?));
            }
            let call = client.create_transaction().body(body);
            call.call_with(options(&idempotency_key)).await?
        }
        TxCommand::Get { id } => {
            let transaction = client.get_transaction().tx_id(id).call().await?;
            return out.show(&transaction, View::Fields(TX_FIELDS));
        }
        TxCommand::List {
            role,
            status,
            pages,
        } => {
            let mut builder = client.list_transactions();
            if let Some(role) = role {
                builder = builder.role(&*role);
            }
            if let Some(status) = status {
                builder = builder.status(&*status);
            }
            return show_pages(out, builder.page_size(pages.page_size), &pages, TX_COLUMNS).await;
        }
        TxCommand::Freeze(s) => {
            let call = client.freeze_transaction().tx_id(s.id);
            call.call_with(options(&s.idempotency_key)).await?
        }
        TxCommand::Accept(s) => {
            let call = client.accept_transaction().tx_id(s.id);
            call.call_with(options(&s.idempotency_key)).await?
        }
        TxCommand::Reject(s) => {
            let call = client.reject_transaction().tx_id(s.id);
            call.call_with(options(&s.idempotency_key)).await?
        }
        TxCommand::Deliver { step, result } => {
            let payload: JsonObject = read_body(&result, "--result")?;
            let body = types::TransactionDeliver::builder().result_payload(payload);
            let call = client.deliver_transaction().tx_id(step.id).body(body);
            call.call_with(options(&step.idempotency_key)).await?
        }
        TxCommand::Confirm(s) => {
            let call = client.confirm_transaction().tx_id(s.id);
            call.call_with(options(&s.idempotency_key)).await?
        }
        TxCommand::Cancel(s) => {
            let call = client.cancel_transaction().tx_id(s.id);
            call.call_with(options(&s.idempotency_key)).await?
        }
    };
    show_reply(out, &reply, TX_FIELDS)
}

fn nonzero(value: u64, flag: &str) -> Outcome<std::num::NonZeroU64> {
    std::num::NonZeroU64::new(value)
        .ok_or_else(|| Failure::usage(format!("{flag} must be at least 1")))
}

/// Options of `uumit feed`.
#[derive(clap::Args, Debug)]
pub(crate) struct FeedArgs {
    /// Items per request, 1 to 100
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=100))]
    page_size: u64,
    /// Stop after this many items
    #[arg(long, default_value_t = 20)]
    limit: usize,
    /// Follow the cursor to the end of the feed (ignores --limit)
    #[arg(long)]
    all: bool,
}

/// Follows the recommendation feed's cursor, printing items as they arrive.
pub(crate) async fn feed(session: &Session, args: FeedArgs) -> Outcome {
    let client = session.client()?;
    let limit = if args.all { usize::MAX } else { args.limit };
    let builder = client.get_recommendation_feed().page_size(args.page_size);
    let mut stream = std::pin::pin!(Follow::items(builder));
    let mut collected = Vec::new();
    if !session.out.is_json() {
        println!("{:<10}  {:>10}  {:<36}  TITLE", "TYPE", "PRICE_UT", "ID");
    }
    while collected.len() < limit {
        let Some(item) = stream.try_next().await? else {
            break;
        };
        if !session.out.is_json() {
            println!("{}", feed_row(&item));
        }
        collected.push(item);
    }
    if session.out.is_json() {
        return output::print_json(&output::to_value(&collected)?);
    }
    Ok(())
}

fn feed_row(item: &types::FeedItem) -> String {
    let price = item
        .price_ut
        .map_or_else(|| "-".to_owned(), |p| p.to_string());
    format!(
        "{:<10}  {:>10}  {:<36}  {}",
        item.item_type, price, item.id, item.title
    )
}
