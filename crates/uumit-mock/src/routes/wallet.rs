//! The caller's wallet: balances, the ledger, totals and rates.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use chrono::{Datelike, Utc};
use serde::Deserialize;
use serde_json::json;
use uumit_api::Money;

use crate::http::{Caller, Query422, Reply, ok};
use crate::routes::paged::PageQuery;
use crate::server::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/wallet", get(wallet))
        .route("/api/v1/wallet/", get(wallet))
        .route("/api/v1/wallet/transactions", get(transactions))
        .route("/api/v1/wallet/transactions/", get(transactions))
        .route("/api/v1/wallet/stats", get(stats))
        .route("/api/v1/wallet/stats/", get(stats))
        .route("/api/v1/wallet/rates", get(rates))
        .route("/api/v1/wallet/rates/", get(rates))
}

async fn wallet(State(state): State<AppState>, Caller(caller): Caller) -> Reply {
    let user = state.with(|store| store.user(caller).cloned())?;
    Ok(ok(json!({"ut": user.ut.view(), "cash": user.cash.view()})))
}

/// Kinds of ledger entries, as the `WalletTxType` schema names them.
#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum EntryKind {
    Income,
    Expense,
    Freeze,
    Unfreeze,
    Refund,
    Recharge,
    Withdraw,
    Reward,
    Fee,
}

impl EntryKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Income => "income",
            Self::Expense => "expense",
            Self::Freeze => "freeze",
            Self::Unfreeze => "unfreeze",
            Self::Refund => "refund",
            Self::Recharge => "recharge",
            Self::Withdraw => "withdraw",
            Self::Reward => "reward",
            Self::Fee => "fee",
        }
    }
}

#[derive(Deserialize)]
struct LedgerQuery {
    #[serde(rename = "type")]
    kind: Option<EntryKind>,
    #[serde(flatten)]
    page: PageQuery,
}

async fn transactions(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Query422(query): Query422<LedgerQuery>,
) -> Reply {
    let page = query.page.validate()?;
    let kind = query.kind.map(EntryKind::as_str);
    let entries = state.with(|store| store.ledger(caller, kind))?;
    Ok(ok(page.slice(entries)))
}

async fn stats(State(state): State<AppState>, Caller(caller): Caller) -> Reply {
    let entries = state.with(|store| store.ledger(caller, None))?;
    let now = Utc::now();
    let sum = |keep: &dyn Fn(&crate::store::WalletEntry) -> bool| {
        entries
            .iter()
            .filter(|e| keep(e))
            .fold(Money::ZERO, |total, e| total + e.amount)
    };
    let income = sum(&|e| e.kind == "income");
    let expense = Money::ZERO - sum(&|e| e.kind == "expense");
    let today = sum(&|e| e.kind == "income" && e.created_at.date_naive() == now.date_naive());
    let month = sum(&|e| {
        e.kind == "income"
            && e.created_at.year() == now.year()
            && e.created_at.month() == now.month()
    });
    let count = entries
        .iter()
        .filter(|e| e.kind == "income" || e.kind == "expense")
        .count();
    Ok(ok(json!({
        "total_income_ut": income,
        "total_expense_ut": expense,
        "today_income_ut": today,
        "month_income_ut": month,
        "transaction_count": count,
    })))
}

async fn rates(State(state): State<AppState>, Caller(_): Caller) -> Reply {
    let rate = state.with(|store| store.cash_to_ut_rate);
    Ok(ok(json!({
        "cash_to_ut_rate": rate,
        "fees": {"transaction": "0.05", "withdraw": "0.01"},
    })))
}
