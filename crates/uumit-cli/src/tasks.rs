//! `uumit tasks`: publish tasks, browse the hall, apply, and pick applicants.

use clap::Subcommand;
use uuid::Uuid;

use uumit::prelude::*;
use uumit::{Money, types};

use crate::failure::Outcome;
use crate::output::View;
use crate::rest::{PageArgs, options, read_body, show_pages, show_reply};
use crate::session::Session;

const TASK_COLUMNS: &[&str] = &["id", "status", "bounty_amount", "mode", "title"];
const TASK_FIELDS: &[&str] = &[
    "id",
    "title",
    "description",
    "status",
    "mode",
    "category",
    "city",
    "bounty_amount",
    "bounty_currency",
    "billing_model",
    "delivery_hours",
    "deadline",
    "tags",
    "created_at",
];
const APPLICATION_COLUMNS: &[&str] = &["id", "task_id", "status", "proposed_price", "message"];

/// `uumit tasks` subcommands.
#[derive(Subcommand, Debug)]
pub(crate) enum TasksCommand {
    /// Lists the tasks you published
    List {
        /// Only this status: draft, open, matched, closed, cancelled or expired
        #[arg(long)]
        status: Option<String>,
        #[command(flatten)]
        pages: PageArgs,
    },
    /// Lists open tasks anyone may apply to
    Hall(HallArgs),
    /// Shows one task
    Get {
        /// The task's id
        id: Uuid,
    },
    /// Publishes a task described by a JSON body (title, description, mode,
    /// billing_model, bounty_amount, bounty_currency, delivery_hours, ...). A bounty above
    /// the balance saves it as a draft
    Create {
        /// The body: JSON, or @FILE to read it from a file
        #[arg(long, value_name = "JSON|@FILE")]
        body: String,
        /// Key that makes a retry of this call free [default: a new UUID]
        #[arg(long, value_name = "KEY")]
        idempotency_key: Option<String>,
    },
    /// Closes one of your tasks
    Close(TaskStep),
    /// Publishes a draft once the balance covers its bounty
    Publish(TaskStep),
    /// Applies to a task with one of your skills
    Apply {
        #[command(flatten)]
        step: TaskStep,
        /// The skill you offer
        #[arg(long, value_name = "UUID")]
        skill: Uuid,
        /// A note to the publisher
        #[arg(long)]
        message: Option<String>,
        /// Your price in UT, for example 12.50 [default: the bounty]
        #[arg(long, value_name = "UT")]
        price: Option<Money>,
    },
    /// Lists the applications to one of your tasks
    Applications {
        /// The task's id
        id: Uuid,
        /// Only this status
        #[arg(long)]
        status: Option<String>,
        #[command(flatten)]
        pages: PageArgs,
    },
    /// Lists the applications you sent
    MyApplications {
        /// Only this status
        #[arg(long)]
        status: Option<String>,
        #[command(flatten)]
        pages: PageArgs,
    },
    /// Accepts an application to one of your tasks
    AcceptApplication(ApplicationStep),
    /// Rejects an application to one of your tasks
    RejectApplication(ApplicationStep),
}

/// Filters of the task hall.
#[derive(clap::Args, Debug)]
pub(crate) struct HallArgs {
    /// Only tasks whose text contains this
    #[arg(long)]
    keyword: Option<String>,
    /// Only this category
    #[arg(long)]
    category: Option<String>,
    /// Only this work mode: online or offline
    #[arg(long)]
    mode: Option<String>,
    /// Only this city (offline tasks)
    #[arg(long)]
    city: Option<String>,
    /// Only this status
    #[arg(long)]
    status: Option<String>,
    #[command(flatten)]
    pages: PageArgs,
}

/// The task a state change applies to.
#[derive(clap::Args, Debug)]
pub(crate) struct TaskStep {
    /// The task's id
    id: Uuid,
    /// Key that makes a retry of this call free [default: a new UUID]
    #[arg(long, value_name = "KEY")]
    idempotency_key: Option<String>,
}

/// The application a decision applies to.
#[derive(clap::Args, Debug)]
pub(crate) struct ApplicationStep {
    /// The task's id
    task: Uuid,
    /// The application's id
    application: Uuid,
    /// Key that makes a retry of this call free [default: a new UUID]
    #[arg(long, value_name = "KEY")]
    idempotency_key: Option<String>,
}

pub(crate) async fn tasks(session: &Session, command: TasksCommand) -> Outcome {
    match command {
        TasksCommand::Hall(args) => hall(session, args).await,
        other => authenticated(session, other).await,
    }
}

/// Lists the task hall, which is public but still read with the caller's credentials.
async fn hall(session: &Session, args: HallArgs) -> Outcome {
    let client = session.client()?;
    let mut builder = client.list_task_hall();
    if let Some(keyword) = args.keyword {
        builder = builder.keyword(keyword);
    }
    if let Some(category) = args.category {
        builder = builder.category(category);
    }
    if let Some(mode) = args.mode {
        builder = builder.mode(&*mode);
    }
    if let Some(city) = args.city {
        builder = builder.city(city);
    }
    if let Some(status) = args.status {
        builder = builder.status(&*status);
    }
    show_pages(
        session.out,
        builder.page_size(args.pages.page_size),
        &args.pages,
        TASK_COLUMNS,
    )
    .await
}

async fn authenticated(session: &Session, command: TasksCommand) -> Outcome {
    let out = session.out;
    let client = session.client()?;
    let reply = match command {
        TasksCommand::List { status, pages } => {
            let mut builder = client.list_my_tasks();
            if let Some(status) = status {
                builder = builder.status(&*status);
            }
            return show_pages(
                out,
                builder.page_size(pages.page_size),
                &pages,
                TASK_COLUMNS,
            )
            .await;
        }
        TasksCommand::Get { id } => {
            let task = client.get_task().task_id(id).call().await?;
            return out.show(&task, View::Fields(TASK_FIELDS));
        }
        TasksCommand::Create {
            body,
            idempotency_key,
        } => {
            let body: types::TaskCreate = read_body(&body, "--body")?;
            client
                .create_task()
                .body(body)
                .call_with(options(&idempotency_key))
                .await?
        }
        TasksCommand::Close(s) => {
            let call = client.close_task().task_id(s.id);
            call.call_with(options(&s.idempotency_key)).await?
        }
        TasksCommand::Publish(s) => {
            let call = client.publish_task_draft().task_id(s.id);
            call.call_with(options(&s.idempotency_key)).await?
        }
        TasksCommand::Apply {
            step,
            skill,
            message,
            price,
        } => {
            let body = types::TaskApplicationCreate::builder()
                .skill_id(skill)
                .message(message)
                .proposed_price(price);
            let call = client.create_task_application().task_id(step.id).body(body);
            let reply = call.call_with(options(&step.idempotency_key)).await?;
            return show_reply(out, &reply, &[]);
        }
        TasksCommand::Applications { id, status, pages } => {
            let mut builder = client.list_task_applications().task_id(id);
            if let Some(status) = status {
                builder = builder.status(&*status);
            }
            return show_pages(
                out,
                builder.page_size(pages.page_size),
                &pages,
                APPLICATION_COLUMNS,
            )
            .await;
        }
        TasksCommand::MyApplications { status, pages } => {
            let mut builder = client.list_my_task_applications();
            if let Some(status) = status {
                builder = builder.status(&*status);
            }
            return show_pages(
                out,
                builder.page_size(pages.page_size),
                &pages,
                APPLICATION_COLUMNS,
            )
            .await;
        }
        TasksCommand::AcceptApplication(s) => {
            let call = client
                .accept_task_application()
                .task_id(s.task)
                .app_id(s.application);
            let reply = call.call_with(options(&s.idempotency_key)).await?;
            return show_reply(out, &reply, &[]);
        }
        TasksCommand::RejectApplication(s) => {
            let call = client
                .reject_task_application()
                .task_id(s.task)
                .app_id(s.application);
            let reply = call.call_with(options(&s.idempotency_key)).await?;
            return show_reply(out, &reply, &[]);
        }
        TasksCommand::Hall(args) => return hall(session, args).await,
    };
    show_reply(out, &reply, TASK_FIELDS)
}
