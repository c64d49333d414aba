//! Checking a voter's choices against the manifest's rules before anything
//! is encrypted (`spec/client.md` §4.1), with errors a page can translate:
//! each names the contest, the rule and the limit.

use serde::Serialize;
use thiserror::Error;
use urna_election::{ContestKind, Manifest};

/// A choice that breaks a rule. Contest and option indices are 0-based
/// positions in the manifest; the ids are there for messages.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ChoiceError {
    /// The choices have another number of contests than the manifest.
    #[error("the ballot has {found} contests, the election has {expected}")]
    ContestCount {
        /// Contests in the manifest.
        expected: usize,
        /// Contests given.
        found: usize,
    },
    /// A contest's choices have another number of options than the manifest.
    #[error("contest `{contest_id}` has {expected} options, {found} were given")]
    OptionCount {
        /// Contest position.
        contest: usize,
        /// Contest id.
        contest_id: String,
        /// Options in the manifest.
        expected: usize,
        /// Values given.
        found: usize,
    },
    /// No contest or option with this id or position.
    #[error("no such contest or option: {what}")]
    Unknown {
        /// What was asked for.
        what: String,
    },
    /// Fewer options chosen than the contest requires.
    #[error("contest `{contest_id}`: choose at least {min} (chosen: {chosen})")]
    TooFew {
        /// Contest position.
        contest: usize,
        /// Contest id.
        contest_id: String,
        /// Fewest allowed.
        min: u64,
        /// How many were chosen.
        chosen: u64,
    },
    /// More options chosen than the contest allows.
    #[error("contest `{contest_id}`: choose at most {max} (chosen: {chosen})")]
    TooMany {
        /// Contest position.
        contest: usize,
        /// Contest id.
        contest_id: String,
        /// Most allowed.
        max: u64,
        /// How many were chosen.
        chosen: u64,
    },
    /// One option's value is above what the contest allows.
    #[error("contest `{contest_id}`, option `{option_id}`: at most {max} (given: {value})")]
    ValueTooLarge {
        /// Contest position.
        contest: usize,
        /// Contest id.
        contest_id: String,
        /// Option position.
        option: usize,
        /// Option id.
        option_id: String,
        /// Largest value allowed.
        max: u64,
        /// Value given.
        value: u64,
    },
    /// The points given exceed the budget.
    #[error("contest `{contest_id}`: at most {budget} points in all (given: {total})")]
    OverBudget {
        /// Contest position.
        contest: usize,
        /// Contest id.
        contest_id: String,
        /// The budget.
        budget: u64,
        /// Points given.
        total: u64,
    },
}

impl ChoiceError {
    /// The stable code (`spec/client.md` §7).
    pub fn code(&self) -> &'static str {
        match self {
            ChoiceError::ContestCount { .. }
            | ChoiceError::OptionCount { .. }
            | ChoiceError::Unknown { .. } => "ERR_BALLOT_SHAPE",
            ChoiceError::TooFew { .. } => "ERR_TOO_FEW_CHOICES",
            ChoiceError::TooMany { .. } => "ERR_TOO_MANY_CHOICES",
            ChoiceError::ValueTooLarge { .. } => "ERR_VALUE_TOO_LARGE",
            ChoiceError::OverBudget { .. } => "ERR_OVER_BUDGET",
        }
    }
}

/// Check one option's value against its contest (the check made while the
/// voter is still choosing).
pub fn check_value(
    manifest: &Manifest,
    contest: usize,
    option: usize,
    value: u64,
) -> Result<(), ChoiceError> {
    let c = manifest
        .contests
        .get(contest)
        .ok_or_else(|| ChoiceError::Unknown {
            what: format!("contest {contest}"),
        })?;
    let o = c.options.get(option).ok_or_else(|| ChoiceError::Unknown {
        what: format!("option {option} of contest `{}`", c.id),
    })?;
    let max = c.max_per_option();
    if value > max {
        return Err(ChoiceError::ValueTooLarge {
            contest,
            contest_id: c.id.clone(),
            option,
            option_id: o.id.clone(),
            max,
            value,
        });
    }
    Ok(())
}

/// Check complete choices (one vector of option values per contest)
/// against every rule of the manifest (`spec/record.md` §3.2); the first
/// broken rule is returned.
pub fn check_choices(manifest: &Manifest, choices: &[Vec<u64>]) -> Result<(), ChoiceError> {
    if choices.len() != manifest.contests.len() {
        return Err(ChoiceError::ContestCount {
            expected: manifest.contests.len(),
            found: choices.len(),
        });
    }
    for (ci, (c, values)) in manifest.contests.iter().zip(choices).enumerate() {
        if values.len() != c.options.len() {
            return Err(ChoiceError::OptionCount {
                contest: ci,
                contest_id: c.id.clone(),
                expected: c.options.len(),
                found: values.len(),
            });
        }
        for (oi, &v) in values.iter().enumerate() {
            check_value(manifest, ci, oi, v)?;
        }
        // Values are bounded by max_per_option ≤ u64 and there are at most
        // 1024 options: sum in u128 so nothing overflows.
        let total: u128 = values.iter().map(|&v| u128::from(v)).sum();
        let total = u64::try_from(total).unwrap_or(u64::MAX);
        match c.kind {
            ContestKind::Approval { min, max } => {
                if total < min {
                    return Err(ChoiceError::TooFew {
                        contest: ci,
                        contest_id: c.id.clone(),
                        min,
                        chosen: total,
                    });
                }
                if total > max {
                    return Err(ChoiceError::TooMany {
                        contest: ci,
                        contest_id: c.id.clone(),
                        max,
                        chosen: total,
                    });
                }
            }
            ContestKind::Score { .. } => {}
            ContestKind::Budget { budget, .. } => {
                if total > budget {
                    return Err(ChoiceError::OverBudget {
                        contest: ci,
                        contest_id: c.id.clone(),
                        budget,
                        total,
                    });
                }
            }
        }
    }
    Ok(())
}
