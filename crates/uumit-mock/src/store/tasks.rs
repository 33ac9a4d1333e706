//! Tasks with UT bounties, applications to them, and the skills applicants offer.
//!
//! Task states: `draft → open → matched | closed`. Publishing holds the bounty in the
//! publisher's frozen UT; closing an open task releases it. A task whose bounty exceeds
//! the available UT is saved as `draft` (code 3004) until `publish-draft` finds enough.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;
use uumit_api::Money;

use super::{Fail, Outcome, Store};

/// Code of a task saved as a draft because the bounty exceeds the available UT.
pub(crate) const CODE_DRAFT_SAVED: i64 = 3004;

/// Code of an operation the task's or application's status does not allow.
const CODE_TASK_STATE: i64 = 4001;

/// A task; serializes as `TaskOut`.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Task {
    pub(crate) id: Uuid,
    pub(crate) publisher_id: Uuid,
    pub(crate) title: String,
    pub(crate) description: String,
    pub(crate) mode: String,
    pub(crate) billing_model: String,
    pub(crate) status: String,
    pub(crate) owner_type: String,
    pub(crate) bounty_amount: Money,
    pub(crate) bounty_currency: String,
    pub(crate) category: Option<String>,
    pub(crate) tags: Vec<String>,
    pub(crate) deliverables: Value,
    pub(crate) approval_mode: String,
    pub(crate) completion_mode: String,
    pub(crate) delivery_hours: i64,
    pub(crate) deadline: Option<DateTime<Utc>>,
    pub(crate) city: Option<String>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) updated_at: DateTime<Utc>,
}

/// An application to a task; serializes as `TaskApplicationOut`.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Application {
    pub(crate) id: Uuid,
    pub(crate) task_id: Uuid,
    pub(crate) task_title: String,
    pub(crate) applicant_id: Uuid,
    pub(crate) applicant_name: String,
    pub(crate) skill_id: Uuid,
    pub(crate) skill_title: String,
    pub(crate) message: Option<String>,
    pub(crate) proposed_price: Option<Money>,
    pub(crate) status: String,
    pub(crate) order_id: Option<Uuid>,
    pub(crate) created_at: DateTime<Utc>,
}

/// A skill; serializes as `SkillOut`.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Skill {
    pub(crate) id: Uuid,
    pub(crate) user_id: Uuid,
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) mode: String,
    pub(crate) category: String,
    pub(crate) pricing_model: String,
    pub(crate) ut_price: Money,
    pub(crate) tags: Vec<String>,
    pub(crate) deliverables: Vec<String>,
    pub(crate) status: String,
    pub(crate) city: Option<String>,
    pub(crate) input_schema: Option<Vec<Value>>,
    pub(crate) created_at: DateTime<Utc>,
}

fn task_state(message: String) -> Fail {
    Fail::business(CODE_TASK_STATE, message)
}

/// Tasks.
impl Store {
    /// The task `id`.
    pub(crate) fn task(&self, id: Uuid) -> Outcome<&Task> {
        self.tasks
            .iter()
            .find(|t| t.id == id)
            .ok_or_else(|| Fail::not_found("task", id))
    }

    fn task_mut(&mut self, id: Uuid) -> Outcome<&mut Task> {
        self.tasks
            .iter_mut()
            .find(|t| t.id == id)
            .ok_or_else(|| Fail::not_found("task", id))
    }

    /// The task `id` for its publisher; code 1003 for anyone else.
    fn own_task(&self, caller: Uuid, id: Uuid) -> Outcome<Task> {
        let task = self.task(id)?;
        if task.publisher_id != caller {
            return Err(Fail::forbidden(format!(
                "task {id} was published by another user; only its publisher may do this"
            )));
        }
        Ok(task.clone())
    }

    /// Publishes `task` (newest first), holding its bounty; saves it as a draft instead
    /// when the bounty exceeds the available UT. Returns the task and whether it is a
    /// draft.
    pub(crate) fn publish_task(&mut self, mut task: Task) -> (Task, bool) {
        let description = format!("bounty of task {}", task.id);
        let held = self
            .hold(task.publisher_id, task.bounty_amount, &description, task.id)
            .is_ok();
        task.status = if held { "open" } else { "draft" }.to_owned();
        self.tasks.insert(0, task.clone());
        (task, !held)
    }

    /// `draft → open` once the available UT covers the bounty; code 3004 while it does
    /// not, 4001 when the task is not a draft.
    pub(crate) fn publish_draft(&mut self, caller: Uuid, id: Uuid) -> Outcome<Task> {
        let task = self.own_task(caller, id)?;
        if task.status != "draft" {
            return Err(task_state(format!(
                "task {id} is {}; only a draft can be published",
                task.status
            )));
        }
        let description = format!("bounty of task {id}");
        if let Err(fail) = self.hold(caller, task.bounty_amount, &description, id) {
            return Err(Fail::business(CODE_DRAFT_SAVED, fail.message));
        }
        self.set_task_status(id, "open")
    }

    /// `open | draft → closed` by the publisher; releases an open task's bounty.
    pub(crate) fn close_task(&mut self, caller: Uuid, id: Uuid) -> Outcome<Task> {
        let task = self.own_task(caller, id)?;
        if task.status != "open" && task.status != "draft" {
            return Err(task_state(format!(
                "task {id} is {}; only an open task or a draft can be closed",
                task.status
            )));
        }
        if task.status == "open" {
            let description = format!("bounty released: task {id} closed");
            self.release(caller, task.bounty_amount, "unfreeze", &description, id)?;
        }
        for application in self.applications.iter_mut() {
            if application.task_id == id && application.status == "pending" {
                application.status = "rejected".to_owned();
            }
        }
        self.set_task_status(id, "closed")
    }

    fn set_task_status(&mut self, id: Uuid, status: &str) -> Outcome<Task> {
        let task = self.task_mut(id)?;
        task.status = status.to_owned();
        task.updated_at = Utc::now();
        Ok(task.clone())
    }
}

/// Applications.
impl Store {
    /// Applies to the open task `task_id` with the caller's skill `skill_id`.
    pub(crate) fn apply_to_task(
        &mut self,
        caller: Uuid,
        task_id: Uuid,
        skill_id: Uuid,
        message: Option<String>,
        proposed_price: Option<Money>,
    ) -> Outcome<Application> {
        let task = self.task(task_id)?.clone();
        let skill = self.skill(skill_id)?.clone();
        if skill.user_id != caller {
            return Err(Fail::forbidden(format!(
                "skill {skill_id} belongs to another user; apply with one of your own skills"
            )));
        }
        if task.status != "open" {
            return Err(task_state(format!(
                "task {task_id} is {}; only open tasks take applications",
                task.status
            )));
        }
        if task.publisher_id == caller {
            return Err(task_state(format!("task {task_id} is your own task")));
        }
        let applied = self
            .applications
            .iter()
            .any(|a| a.task_id == task_id && a.applicant_id == caller);
        if applied {
            return Err(task_state(format!(
                "you have already applied to task {task_id}"
            )));
        }
        let application = Application {
            id: self.new_id(),
            task_id,
            task_title: task.title,
            applicant_id: caller,
            applicant_name: self.user(caller)?.name.clone(),
            skill_id,
            skill_title: skill.name,
            message,
            proposed_price,
            status: "pending".to_owned(),
            order_id: None,
            created_at: Utc::now(),
        };
        self.applications.insert(0, application.clone());
        Ok(application)
    }

    /// Applications to `task_id`, for its publisher only.
    pub(crate) fn applications_of(&self, caller: Uuid, task_id: Uuid) -> Outcome<Vec<Application>> {
        self.own_task(caller, task_id)?;
        Ok(self
            .applications
            .iter()
            .filter(|a| a.task_id == task_id)
            .cloned()
            .collect())
    }

    fn pending_application(&self, caller: Uuid, task_id: Uuid, app_id: Uuid) -> Outcome<Task> {
        let task = self.own_task(caller, task_id)?;
        let application = self
            .applications
            .iter()
            .find(|a| a.id == app_id && a.task_id == task_id)
            .ok_or_else(|| Fail::not_found("application", app_id))?;
        if application.status != "pending" {
            return Err(task_state(format!(
                "application {app_id} is {}; only a pending application can be decided",
                application.status
            )));
        }
        Ok(task)
    }

    /// Accepts an application: the task becomes `matched`, an order is created and the
    /// other pending applications are rejected.
    pub(crate) fn accept_application(
        &mut self,
        caller: Uuid,
        task_id: Uuid,
        app_id: Uuid,
    ) -> Outcome<Application> {
        let task = self.pending_application(caller, task_id, app_id)?;
        if task.status != "open" {
            return Err(task_state(format!(
                "task {task_id} is {}; applications are accepted only while it is open",
                task.status
            )));
        }
        let order_id = self.new_id();
        for application in self
            .applications
            .iter_mut()
            .filter(|a| a.task_id == task_id)
        {
            if application.id == app_id {
                application.status = "accepted".to_owned();
                application.order_id = Some(order_id);
            } else if application.status == "pending" {
                application.status = "rejected".to_owned();
            }
        }
        self.set_task_status(task_id, "matched")?;
        self.application(app_id)
    }

    /// Rejects one pending application.
    pub(crate) fn reject_application(
        &mut self,
        caller: Uuid,
        task_id: Uuid,
        app_id: Uuid,
    ) -> Outcome<Application> {
        self.pending_application(caller, task_id, app_id)?;
        if let Some(application) = self.applications.iter_mut().find(|a| a.id == app_id) {
            application.status = "rejected".to_owned();
        }
        self.application(app_id)
    }

    fn application(&self, id: Uuid) -> Outcome<Application> {
        self.applications
            .iter()
            .find(|a| a.id == id)
            .cloned()
            .ok_or_else(|| Fail::not_found("application", id))
    }
}

/// Skills.
impl Store {
    /// The skill `id`.
    pub(crate) fn skill(&self, id: Uuid) -> Outcome<&Skill> {
        self.skills
            .iter()
            .find(|s| s.id == id)
            .ok_or_else(|| Fail::not_found("skill", id))
    }

    /// The skill `id` for its owner to change; code 1003 for anyone else.
    pub(crate) fn own_skill(&mut self, caller: Uuid, id: Uuid) -> Outcome<&mut Skill> {
        let skill = self
            .skills
            .iter_mut()
            .find(|s| s.id == id)
            .ok_or_else(|| Fail::not_found("skill", id))?;
        if skill.user_id != caller {
            return Err(Fail::forbidden(format!(
                "skill {id} belongs to another user; only its owner may change it"
            )));
        }
        Ok(skill)
    }

    /// Removes the skill `id` of `caller`.
    pub(crate) fn delete_skill(&mut self, caller: Uuid, id: Uuid) -> Outcome<()> {
        self.own_skill(caller, id)?;
        self.skills.retain(|s| s.id != id);
        Ok(())
    }
}
