//! The per-credential audit quota (`spec/api.md` §5.6, docs/attacks.md
//! F20): each listed credential may have at most `max` audits published
//! per election. Audited entries name no credential, so the log cannot
//! count them; the board counts the requests it verified, in memory.
//!
//! The count is charged only after the request's signature verified
//! (F21: nobody can spend another voter's quota), and it is never
//! written anywhere: the database holds no link between a credential and
//! an audit. A restart therefore resets the counts; the bound is `max`
//! per credential per run of the board.

use std::collections::HashMap;
use std::sync::Mutex;

use urna_api::ErrorCode;

use crate::error::ApiError;

/// Audits counted per (election, credential).
#[derive(Debug, Default)]
pub struct AuditQuota {
    max: u32,
    used: Mutex<HashMap<(String, [u8; 32]), u32>>,
}

impl AuditQuota {
    /// At most `max` audits per credential per election.
    pub fn new(max: u32) -> Self {
        AuditQuota {
            max,
            used: Mutex::new(HashMap::new()),
        }
    }

    /// Charge one audit to `credential`, whose request has verified;
    /// `429 ERR_QUOTA_EXCEEDED` once its `max` are spent.
    pub fn charge(&self, election: &str, credential: [u8; 32]) -> Result<(), ApiError> {
        let mut used = self.used.lock().map_err(|_| ApiError::storage())?;
        let n = used.entry((election.to_string(), credential)).or_insert(0);
        if *n >= self.max {
            return Err(ApiError::new(
                ErrorCode::QuotaExceeded,
                format!(
                    "this credential has had its {} audits on this board \
                     (--max-audits-per-credential); cast, or audit on another day",
                    self.max
                ),
            ));
        }
        *n += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f20_the_quota_is_per_credential_and_per_election() {
        let q = AuditQuota::new(2);
        q.charge("e", [1; 32]).unwrap();
        q.charge("e", [1; 32]).unwrap();
        let e = q.charge("e", [1; 32]).unwrap_err();
        assert_eq!(e.code, "ERR_QUOTA_EXCEEDED");
        q.charge("e", [2; 32]).unwrap();
        q.charge("f", [1; 32]).unwrap();
    }
}
