//! The event vocabulary and the JSON body sent for each event:
//! `{id, type, occurred_at, signer: {ams_id, email}, data: {...}}`.

use serde_json::{Value, json};

use crate::format::rfc3339_utc;
use crate::time::UnixTime;

/// The `type` of an event (and the `X-TPO-Event` header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    DeviceAdded,
    DeviceRemoved,
    DeviceEvicted,
    AccountLocked,
    TicketOpened,
    TicketCompleted,
}

crate::text_enum::text_enum!(EventType {
    DeviceAdded => "device.added",
    DeviceRemoved => "device.removed",
    DeviceEvicted => "device.evicted",
    AccountLocked => "account.locked",
    TicketOpened => "ticket.opened",
    TicketCompleted => "ticket.completed",
});

/// What happened to a signer, with only what AMS may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event<'a> {
    /// A device was added (`channel`: how, as stored: `setup_link`, `account_page`…).
    DeviceAdded { device: &'a str, channel: &'a str },
    /// The holder or staff removed a device.
    DeviceRemoved { device: &'a str },
    /// The device limit removed the device added longest ago.
    DeviceEvicted {
        device: &'a str,
        added_at: UnixTime,
        replaced_by: &'a str,
        max_devices: usize,
    },
    /// Wrong codes started a pause (`until`) or the block (`until` None:
    /// until a device is added through the helpdesk).
    AccountLocked {
        consecutive_failures: i64,
        until: Option<UnixTime>,
    },
    TicketOpened {
        ticket: &'a str,
        category: &'a str,
        channel: &'a str,
    },
    /// The OTP request ended with a device added.
    TicketCompleted {
        ticket: &'a str,
        channel: &'a str,
        device: &'a str,
    },
}

impl Event<'_> {
    pub fn event_type(&self) -> EventType {
        match self {
            Event::DeviceAdded { .. } => EventType::DeviceAdded,
            Event::DeviceRemoved { .. } => EventType::DeviceRemoved,
            Event::DeviceEvicted { .. } => EventType::DeviceEvicted,
            Event::AccountLocked { .. } => EventType::AccountLocked,
            Event::TicketOpened { .. } => EventType::TicketOpened,
            Event::TicketCompleted { .. } => EventType::TicketCompleted,
        }
    }

    fn data(&self) -> Value {
        match *self {
            Event::DeviceAdded { device, channel } => {
                json!({ "device": device, "channel": channel })
            }
            Event::DeviceRemoved { device } => json!({ "device": device }),
            Event::DeviceEvicted {
                device,
                added_at,
                replaced_by,
                max_devices,
            } => json!({
                "device": device,
                "added_at": rfc3339_utc(added_at),
                "replaced_by": replaced_by,
                "max_devices": max_devices,
            }),
            Event::AccountLocked {
                consecutive_failures,
                until,
            } => json!({
                "reason": if until.is_some() { "paused" } else { "blocked" },
                "until": until.map(rfc3339_utc),
                "consecutive_failures": consecutive_failures,
            }),
            Event::TicketOpened {
                ticket,
                category,
                channel,
            } => json!({ "ticket": ticket, "category": category, "channel": channel }),
            Event::TicketCompleted {
                ticket,
                channel,
                device,
            } => json!({ "ticket": ticket, "channel": channel, "device": device }),
        }
    }
}

/// Who the event is about, as AMS knows them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Signer {
    pub ams_id: Option<String>,
    pub email: String,
}

/// The body of one delivery of `event`.
pub fn render(id: &str, event: &Event<'_>, signer: &Signer, occurred_at: UnixTime) -> String {
    json!({
        "id": id,
        "type": event.event_type().as_str(),
        "occurred_at": rfc3339_utc(occurred_at),
        "signer": { "ams_id": signer.ams_id, "email": signer.email },
        "data": event.data(),
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_names_the_event_the_signer_and_its_data() {
        let signer = Signer {
            ams_id: Some("AMS-42".into()),
            email: "budi.santoso@kominfo.go.id".into(),
        };
        let at = UnixTime::from_secs(1_795_856_415);
        let body = render(
            "e1",
            &Event::AccountLocked {
                consecutive_failures: 5,
                until: Some(at + 30),
            },
            &signer,
            at,
        );
        let value: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            value,
            json!({
                "id": "e1",
                "type": "account.locked",
                "occurred_at": "2026-11-28T09:00:15Z",
                "signer": { "ams_id": "AMS-42", "email": "budi.santoso@kominfo.go.id" },
                "data": { "reason": "paused", "until": "2026-11-28T09:00:45Z", "consecutive_failures": 5 },
            })
        );
        let blocked = Event::AccountLocked {
            consecutive_failures: 100,
            until: None,
        };
        let value: Value = serde_json::from_str(&render("e2", &blocked, &signer, at)).unwrap();
        assert_eq!(value["data"]["reason"], "blocked");
        assert_eq!(value["data"]["until"], Value::Null);
    }

    #[test]
    fn every_type_has_its_dotted_name() {
        let names: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
        assert_eq!(
            names,
            [
                "device.added",
                "device.removed",
                "device.evicted",
                "account.locked",
                "ticket.opened",
                "ticket.completed"
            ]
        );
    }
}
