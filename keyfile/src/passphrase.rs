//! Where a key file's passphrase comes from, in this order:
//!
//! 1. `--passphrase-file FILE`: the file's first line;
//! 2. an environment variable, named by the caller: a trustee's is
//!    [`crate::trustee::PASSPHRASE_ENV`], the organizer's and credential
//!    authority's [`crate::signing::PASSPHRASE_ENV`] (for scripts and
//!    tests; other users of the machine may be able to read a process's
//!    environment, so prefer the prompt);
//! 3. a prompt on the terminal, without echo (twice when a new key file is
//!    made); or, when standard input is not a terminal, its first line.
//!
//! The passphrase is kept in a [`Zeroizing`] string. Its UTF-8 bytes, as
//! typed, without the line ending, are the Argon2id password
//! (spec/trustees.md §16 (KF2)).

use std::io::{BufRead, IsTerminal};
use std::path::Path;

use zeroize::Zeroizing;

use crate::Error;

/// Shortest new passphrase accepted, in characters.
pub const MIN_PASSPHRASE_CHARS: usize = 10;

/// Whether the passphrase is for a new key file (checked for length, and
/// typed twice at a prompt) or to unlock an existing one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// Protect a new key file.
    New,
    /// Unlock an existing key file.
    Unlock,
}

/// Read the passphrase from the first source that is given: `file`, the
/// environment variable `env`, the terminal or standard input.
pub fn read(file: Option<&Path>, purpose: Purpose, env: &str) -> Result<Zeroizing<String>, Error> {
    let p = if let Some(path) = file {
        let mut s = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?);
        first_line(&mut s);
        s
    } else if let Some(v) = std::env::var_os(env) {
        Zeroizing::new(
            v.into_string()
                .map_err(|_| Error::PassphraseUnavailable(format!("{env} is not valid UTF-8")))?,
        )
    } else if std::io::stdin().is_terminal() {
        prompt(purpose)?
    } else {
        // Room for any sane passphrase, so that reading does not reallocate
        // and leave a copy in freed memory.
        let mut s = Zeroizing::new(String::with_capacity(4096));
        std::io::stdin()
            .lock()
            .read_line(&mut s)
            .map_err(|e| Error::PassphraseUnavailable(e.to_string()))?;
        first_line(&mut s);
        s
    };
    if purpose == Purpose::New {
        check_new(&p)?;
    }
    Ok(p)
}

/// A new passphrase must have at least [`MIN_PASSPHRASE_CHARS`] characters.
pub fn check_new(p: &str) -> Result<(), Error> {
    if p.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(Error::PassphraseTooShort {
            min: MIN_PASSPHRASE_CHARS,
        });
    }
    Ok(())
}

fn prompt(purpose: Purpose) -> Result<Zeroizing<String>, Error> {
    let ask = |msg: &str| {
        rpassword::prompt_password(msg)
            .map(Zeroizing::new)
            .map_err(|e| Error::PassphraseUnavailable(e.to_string()))
    };
    match purpose {
        Purpose::Unlock => ask("Passphrase of the key file: "),
        Purpose::New => {
            eprintln!(
                "Choose a passphrase for the key file (at least {MIN_PASSPHRASE_CHARS} characters). \
                 Nothing is shown while you type. If you forget it, your key cannot be recovered."
            );
            let first = ask("New passphrase: ")?;
            check_new(&first)?;
            let second = ask("Type it again: ")?;
            if *first != *second {
                return Err(Error::PassphraseMismatch);
            }
            Ok(first)
        }
    }
}

/// Keep only the first line, without its `\n` or `\r\n`, in place (no copy
/// of the secret is left behind).
fn first_line(s: &mut Zeroizing<String>) {
    if let Some(i) = s.find('\n') {
        s.truncate(i);
    }
    if s.ends_with('\r') {
        s.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_endings_are_removed() {
        for (input, want) in [
            ("abc\n", "abc"),
            ("abc\r\n", "abc"),
            ("abc", "abc"),
            ("abc\nrest\n", "abc"),
            ("  spaced  \n", "  spaced  "),
        ] {
            let mut s = Zeroizing::new(input.to_string());
            first_line(&mut s);
            assert_eq!(s.as_str(), want);
        }
    }

    #[test]
    fn short_passphrases_are_refused() {
        assert!(check_new("123456789").is_err());
        assert!(check_new("1234567890").is_ok());
        // Characters, not bytes.
        assert!(check_new("ééééééééé").is_err());
    }

    #[test]
    fn from_a_file_first_line_only() {
        let tmp = tempfile::tempdir().unwrap();
        let f = tmp.path().join("p");
        std::fs::write(&f, "long enough passphrase\r\nsecond line\n").unwrap();
        let p = read(Some(&f), Purpose::New, "URNA_KEYFILE_TEST_UNSET").unwrap();
        assert_eq!(p.as_str(), "long enough passphrase");
        std::fs::write(&f, "short\n").unwrap();
        assert!(matches!(
            read(Some(&f), Purpose::New, "URNA_KEYFILE_TEST_UNSET"),
            Err(Error::PassphraseTooShort { min: 10 })
        ));
        assert!(read(Some(&f), Purpose::Unlock, "URNA_KEYFILE_TEST_UNSET").is_ok());
    }
}
