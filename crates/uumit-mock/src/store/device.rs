//! Device authorization: an agent starts it, a person approves or denies the user code,
//! and the agent's poll then returns a new API key.

use chrono::{DateTime, Utc};
use uuid::Uuid;
use uumit_api::Money;

use super::{Fail, Outcome, Store};

/// UT a user created by device authorization starts with.
const NEW_USER_UT: Money = Money::from_units(1000);

/// Characters of a user code: upper-case letters and digits without look-alikes.
const USER_CODE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// The state of one device authorization.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum DeviceState {
    /// Waiting for a person to decide.
    Pending,
    /// Approved: the key was issued to the user.
    Approved {
        /// The new API key.
        api_key: String,
        /// The user the key acts for.
        user_id: Uuid,
    },
    /// The person refused.
    Denied,
}

/// One device authorization.
#[derive(Clone, Debug)]
pub(crate) struct DeviceGrant {
    pub(crate) device_code: String,
    pub(crate) user_code: String,
    pub(crate) platform_type: String,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) state: DeviceState,
}

/// What a poll reports: `pending`, `approved` (with the key), `expired` or `denied`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PollStatus {
    /// Not decided yet.
    Pending,
    /// Approved, with the new API key and its user.
    Approved(String, Uuid),
    /// Not decided within the lifetime of the code.
    Expired,
    /// Refused.
    Denied,
}

impl Store {
    /// Starts a device authorization for an agent of `platform_type`.
    pub(crate) fn start_device(&mut self, platform_type: &str) -> DeviceGrant {
        let user_code: String = (0..8)
            .map(|_| {
                let index = self.rng().below(USER_CODE_ALPHABET.len() as u64) as usize;
                USER_CODE_ALPHABET[index] as char
            })
            .collect();
        let grant = DeviceGrant {
            device_code: self.rng().token(43),
            user_code,
            platform_type: platform_type.to_owned(),
            created_at: Utc::now(),
            state: DeviceState::Pending,
        };
        self.devices.push(grant.clone());
        grant
    }

    fn is_expired(&self, grant: &DeviceGrant) -> bool {
        Utc::now() - grant.created_at >= self.device_ttl
    }

    /// The state of the authorization with `device_code`.
    pub(crate) fn poll_device(&self, device_code: &str) -> Outcome<PollStatus> {
        let grant = self
            .devices
            .iter()
            .find(|g| g.device_code == device_code)
            .ok_or_else(|| Fail::not_found("device code", device_code))?;
        Ok(match &grant.state {
            DeviceState::Approved { api_key, user_id } => {
                PollStatus::Approved(api_key.clone(), *user_id)
            }
            DeviceState::Denied => PollStatus::Denied,
            DeviceState::Pending if self.is_expired(grant) => PollStatus::Expired,
            DeviceState::Pending => PollStatus::Pending,
        })
    }

    /// Approves (`true`) or denies the pending authorization with `user_code`, matched
    /// without regard to case or a middle dash. Approving creates a user with a new
    /// API key and 1000 UT.
    pub(crate) fn decide_device(&mut self, user_code: &str, approve: bool) -> Outcome<DeviceGrant> {
        let wanted: String = user_code
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let index = self
            .devices
            .iter()
            .position(|g| g.user_code == wanted)
            .ok_or_else(|| Fail::not_found("user code", user_code))?;
        let grant = self.devices[index].clone();
        if grant.state != DeviceState::Pending {
            return Err(Fail::business(
                4501,
                format!("user code {wanted} was already decided"),
            ));
        }
        if self.is_expired(&grant) {
            return Err(Fail::business(
                4502,
                format!("user code {wanted} has expired; start again"),
            ));
        }
        let state = if approve {
            let name = format!(
                "{}-agent-{}",
                grant.platform_type,
                wanted.to_ascii_lowercase()
            );
            let user_id = self.add_user(&name, NEW_USER_UT);
            let api_key = self.user(user_id)?.api_key.clone();
            DeviceState::Approved { api_key, user_id }
        } else {
            DeviceState::Denied
        };
        self.devices[index].state = state;
        Ok(self.devices[index].clone())
    }
}
