//! A case's states and the transitions between them (DESIGN.md §3): every case is answered; a
//! rejection needs a reason and counts as the answer; a case closes only after a reply.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

crate::workflow_state! {
    /// Where a case stands (DESIGN.md §3).
    pub enum CaseStatus {
        Submitted = "submitted",
        Accepted = "accepted",
        Assigned = "assigned",
        InProgress = "in_progress",
        Replied = "replied",
        Closed = "closed",
        Rejected = "rejected",
        Reopened = "reopened",
    }
}

impl CaseStatus {
    /// States in which the committee still owes an answer.
    pub const OPEN: &'static [CaseStatus] = &[
        CaseStatus::Submitted,
        CaseStatus::Accepted,
        CaseStatus::Assigned,
        CaseStatus::InProgress,
        CaseStatus::Reopened,
    ];

    /// The committee still owes an answer.
    pub fn is_open(self) -> bool {
        CaseStatus::OPEN.contains(&self)
    }

    /// Answered: replied, or closed after the reply, or rejected with a reason (the rejection
    /// is the answer). The submitter may rate it.
    pub fn answered(self) -> bool {
        matches!(
            self,
            CaseStatus::Replied | CaseStatus::Closed | CaseStatus::Rejected
        )
    }

    /// Finished for a client that knows only open and closed (Open311).
    pub fn finished(self) -> bool {
        matches!(self, CaseStatus::Closed | CaseStatus::Rejected)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Transition {
    Accept,
    Assign,
    Start,
    Reply,
    Close,
    Reject,
    Reopen,
}

impl Transition {
    /// The confirmation a page shows after it (`cases.done.*`).
    pub fn done(self) -> &'static str {
        match self {
            Transition::Accept => "cases.done.accept",
            Transition::Assign => "cases.done.assign",
            Transition::Start => "cases.done.start",
            Transition::Reply => "cases.done.reply",
            Transition::Close => "cases.done.close",
            Transition::Reject => "cases.done.reject",
            Transition::Reopen => "cases.done.reopen",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Transition::Accept => "accept",
            Transition::Assign => "assign",
            Transition::Start => "start",
            Transition::Reply => "reply",
            Transition::Close => "close",
            Transition::Reject => "reject",
            Transition::Reopen => "reopen",
        }
    }

    /// The status a transition leads to from `from`, or `None` where it is not allowed.
    pub fn next(self, from: CaseStatus, reopen_count: i64) -> Option<CaseStatus> {
        use CaseStatus as S;
        use Transition as T;
        let to = match (self, from) {
            (T::Accept, S::Submitted | S::Reopened) => S::Accepted,
            (T::Assign, S::Accepted | S::Assigned | S::InProgress | S::Reopened) => S::Assigned,
            (T::Start, S::Accepted | S::Assigned) => S::InProgress,
            (T::Reply, S::Accepted | S::Assigned | S::InProgress | S::Reopened) => S::Replied,
            (T::Close, S::Replied) => S::Closed,
            (T::Reject, S::Submitted | S::Accepted | S::Assigned | S::InProgress) => S::Rejected,
            (T::Reopen, S::Closed | S::Rejected) if reopen_count < 1 => S::Reopened,
            _ => return None,
        };
        Some(to)
    }
}

/// A short note on a case's progress that anyone holding its tracking code (or an Open311
/// client without the community's key) may read. Staff choose it from this list, so it can hold
/// no name, phone or address: the reply itself goes only to the submitter and staff.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PublicNote {
    /// 已收到，正在核实
    Verifying,
    /// 已安排人员上门查看
    OnSite,
    /// 已转交相关单位办理
    Referred,
    /// 已列入维修或工作计划
    Scheduled,
    /// 需要补充情况，请与居委会联系
    NeedsInfo,
    /// 问题已处理完毕
    Resolved,
    /// 不属于社区职责，已告知办理渠道
    NotOurs,
}

impl PublicNote {
    pub const ALL: [PublicNote; 7] = [
        PublicNote::Verifying,
        PublicNote::OnSite,
        PublicNote::Referred,
        PublicNote::Scheduled,
        PublicNote::NeedsInfo,
        PublicNote::Resolved,
        PublicNote::NotOurs,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PublicNote::Verifying => "verifying",
            PublicNote::OnSite => "on_site",
            PublicNote::Referred => "referred",
            PublicNote::Scheduled => "scheduled",
            PublicNote::NeedsInfo => "needs_info",
            PublicNote::Resolved => "resolved",
            PublicNote::NotOurs => "not_ours",
        }
    }

    /// The stored value back (`None` for an empty or unknown one).
    pub fn parse(s: &str) -> Option<PublicNote> {
        PublicNote::ALL.into_iter().find(|n| n.as_str() == s)
    }
}

/// A tracking code: 12 characters from an alphabet without look-alikes, grouped by four.
pub fn tracking_code() -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let bytes: [u8; 12] = rand::random();
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| ALPHABET[(*b as usize) % ALPHABET.len()] as char)
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::CaseStatus as S;
    use super::Transition as T;

    #[test]
    fn the_lifecycle() {
        assert_eq!(T::Accept.next(S::Submitted, 0), Some(S::Accepted));
        assert_eq!(
            T::Close.next(S::InProgress, 0),
            None,
            "no closing without a reply"
        );
        assert_eq!(T::Close.next(S::Replied, 0), Some(S::Closed));
        assert_eq!(T::Reply.next(S::Submitted, 0), None, "accept first");
        assert_eq!(T::Reject.next(S::Closed, 0), None);
        assert_eq!(T::Reopen.next(S::Closed, 0), Some(S::Reopened));
        assert_eq!(T::Reopen.next(S::Closed, 1), None, "once");
        assert_eq!(T::Accept.next(S::Reopened, 1), Some(S::Accepted));
        assert!(S::ALL.iter().all(|s| s.is_open() != (s.answered())));
    }

    #[test]
    fn tracking_codes_look_right() {
        let c = super::tracking_code();
        assert_eq!(c.len(), 14);
        assert!(
            c.chars()
                .all(|ch| ch == '-' || ch.is_ascii_uppercase() || ch.is_ascii_digit())
        );
        assert!(!c.contains('0') && !c.contains('O') && !c.contains('1') && !c.contains('I'));
    }
}
