//! The credential authority (issue 7, `spec/client.md` §2 for the codes):
//! read the voter list, issue one secret credential per voter, write the
//! delivery material, and the list of public credentials — the only thing
//! the board ever receives. Names and contacts never leave this machine.
//!
//! Outputs in the chosen folder:
//! - `public-credentials.json`: `[{"public": hex, "weight": n}]`, sorted —
//!   upload this (it holds no name, no contact, no secret);
//! - `SECRET_delivery.csv`: name, contact, language, credential code — for a
//!   mail merge or messenger delivery; destroy it after delivery;
//! - `SECRET_sheets/NNNN.html`: one printable sheet per voter, in the
//!   voter's language, with the code as text and as a QR code.

use std::collections::HashMap;
use std::path::Path;

use qrcode::render::svg;
use qrcode::QrCode;
use rand_core::{CryptoRng, RngCore};
use serde::Serialize;
use urna_election::Manifest;
use voter_client::credential::Credential;

/// A problem in the voter list, naming the line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("voter list line {line}: {message}")]
pub struct VoterListError {
    /// 1-based line (the header is line 1).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// One voter of the list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Voter {
    /// Name (stays with the authority).
    pub name: String,
    /// Contact: e-mail, phone, messenger handle (stays with the authority).
    pub contact: String,
    /// Weight (1 unless the election is weighted).
    pub weight: u64,
    /// Language of the delivery sheet (default: the election's).
    pub language: Option<String>,
}

/// Parse a voter list: CSV with a header `name,contact[,weight][,language]`.
pub fn read_voters(text: &str) -> Result<Vec<Voter>, VoterListError> {
    Ok(read_rows(text, false)?
        .into_iter()
        .map(|(v, _)| v)
        .collect())
}

/// Read a voter list whose voters made their own credentials: the columns
/// of [`read_voters`] plus `public_credential`, the 64 hex digits the
/// voting page showed the voter (`spec/client.md` §8.4). A key that is not
/// a valid credential, or one given twice, names its line.
pub fn read_voters_with_public(
    text: &str,
) -> Result<Vec<(Voter, urna_crypto::PublicKey)>, VoterListError> {
    let rows = read_rows(text, true)?;
    let mut seen: HashMap<[u8; 32], usize> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for (i, (v, public)) in rows.into_iter().enumerate() {
        let line = i + 2;
        let public = public.unwrap_or_default();
        let key = hex::decode(public.trim().to_ascii_lowercase())
            .ok()
            .and_then(|b| urna_crypto::PublicKey::from_bytes(&b).ok())
            .ok_or_else(|| VoterListError {
                line,
                message: format!(
                    "public_credential `{public}` is not a public credential (64 hex digits, as the voting page shows it)"
                ),
            })?;
        if let Some(first) = seen.insert(key.to_bytes(), line) {
            return Err(VoterListError {
                line,
                message: format!("the same public credential is already on line {first}"),
            });
        }
        out.push((v, key));
    }
    Ok(out)
}

fn read_rows(
    text: &str,
    with_public: bool,
) -> Result<Vec<(Voter, Option<String>)>, VoterListError> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| VoterListError {
            line: 1,
            message: e.to_string(),
        })?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (Some(name_i), Some(contact_i)) = (col("name"), col("contact")) else {
        return Err(VoterListError {
            line: 1,
            message: "the first line must name the columns: name,contact[,weight][,language]"
                .into(),
        });
    };
    let (weight_i, lang_i) = (col("weight"), col("language"));
    let public_i = col("public_credential");
    if with_public && public_i.is_none() {
        return Err(VoterListError {
            line: 1,
            message: "the first line must name the columns: name,contact,public_credential[,weight][,language]"
                .into(),
        });
    }
    let mut voters = Vec::new();
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| VoterListError {
            line,
            message: e.to_string(),
        })?;
        let get = |i: usize| rec.get(i).unwrap_or("").to_string();
        let name = get(name_i);
        let contact = get(contact_i);
        if name.is_empty() {
            return Err(VoterListError {
                line,
                message: "the name is empty".into(),
            });
        }
        let weight = match weight_i.map(get).filter(|w| !w.is_empty()) {
            None => 1,
            Some(w) => w
                .parse::<u64>()
                .ok()
                .filter(|w| (1..=urna_election::credentials::MAX_WEIGHT).contains(w))
                .ok_or_else(|| VoterListError {
                    line,
                    message: format!(
                        "weight `{w}` is not a whole number from 1 to {}",
                        urna_election::credentials::MAX_WEIGHT
                    ),
                })?,
        };
        let key = (name.to_lowercase(), contact.to_lowercase());
        if let Some(first) = seen.insert(key, line) {
            return Err(VoterListError {
                line,
                message: format!("the same voter (name and contact) is already on line {first}"),
            });
        }
        voters.push((
            Voter {
                name,
                contact,
                weight,
                language: lang_i.map(get).filter(|l| !l.is_empty()),
            },
            public_i.map(get),
        ));
    }
    if voters.is_empty() {
        return Err(VoterListError {
            line: 1,
            message: "the list has no voters".into(),
        });
    }
    Ok(voters)
}

/// One row of `public-credentials.json`: a public credential and its
/// weight, nothing else.
#[derive(Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicEntry {
    /// The credential's public key, 64 lower-case hex digits.
    pub public: String,
    /// Its weight.
    pub weight: u64,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Instructions on the sheet, per language (English fallback).
fn instructions(lang: &str) -> (&'static str, &'static str) {
    match lang {
        "be" | "be-tarask" => ("Ваш сакрэтны код для галасавання", "Нікому не паказвайце гэты код. Увядзіце яго на старонцы галасавання або адсканіруйце QR-код. Вы можаце галасаваць некалькі разоў: улічваецца апошні бюлетэнь."),
        "ru" => ("Ваш секретный код для голосования", "Никому не показывайте этот код. Введите его на странице голосования или отсканируйте QR-код. Вы можете голосовать несколько раз: учитывается последний бюллетень."),
        "uk" => ("Ваш секретний код для голосування", "Нікому не показуйте цей код. Введіть його на сторінці голосування або відскануйте QR-код. Ви можете голосувати кілька разів: враховується останній бюлетень."),
        _ => ("Your secret voting code", "Show this code to nobody. Type it on the voting page or scan the QR code. You may vote again later: only your last ballot counts."),
    }
}

/// Issue credentials and write the delivery material into `out`. Returns
/// the number of credentials issued.
/// The printable sheet of one voter: the election's title, the voter's
/// name, the code and its QR code, and the instructions in `lang`.
pub fn sheet_html(manifest: &Manifest, name: &str, lang: &str, code: &str) -> String {
    let qr = QrCode::new(code.as_bytes())
        .map(|q| {
            q.render::<svg::Color<'_>>()
                .min_dimensions(200, 200)
                .build()
        })
        .unwrap_or_default();
    let (title, text) = instructions(lang);
    format!(
        "<!doctype html><html lang=\"{lang}\"><meta charset=\"utf-8\"><title>{title}</title>\
         <style>body{{font-family:sans-serif;max-width:40em;margin:2em auto}}code{{font-size:1.3em;word-break:break-all}}</style>\
         <h1>{}</h1><p>{}</p><h2>{title}</h2><p><code>{}</code></p><div>{qr}</div><p>{text}</p></html>\n",
        escape(manifest.title.get(lang, &manifest.default_language)),
        escape(name),
        escape(code),
    )
}

pub fn issue<R: RngCore + CryptoRng>(
    voters: &[Voter],
    manifest: &Manifest,
    out: &Path,
    rng: &mut R,
) -> anyhow::Result<usize> {
    if !manifest.weighted && voters.iter().any(|v| v.weight != 1) {
        anyhow::bail!(
            "the election is not weighted, but the voter list gives weights other than 1"
        );
    }
    std::fs::create_dir_all(out.join("SECRET_sheets"))?;
    let mut public = Vec::with_capacity(voters.len());
    let mut delivery = csv::Writer::from_path(out.join("SECRET_delivery.csv"))?;
    delivery.write_record(["name", "contact", "language", "credential"])?;
    for (i, v) in voters.iter().enumerate() {
        let credential = Credential::generate(rng);
        let code = credential.to_code();
        let lang = v
            .language
            .clone()
            .unwrap_or_else(|| manifest.default_language.clone());
        delivery.write_record([v.name.as_str(), &v.contact, &lang, code.as_str()])?;
        public.push(PublicEntry {
            public: hex::encode(credential.public_key().to_bytes()),
            weight: v.weight,
        });
        let sheet = sheet_html(manifest, &v.name, &lang, &code);
        std::fs::write(
            out.join("SECRET_sheets").join(format!("{:04}.html", i + 1)),
            sheet,
        )?;
    }
    delivery.flush()?;
    public.sort_by(|a, b| a.public.cmp(&b.public));
    std::fs::write(
        out.join("public-credentials.json"),
        serde_json::to_string_pretty(&public)?,
    )?;
    Ok(voters.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn voter_list_errors_name_the_line() {
        let ok = read_voters("name,contact,weight\nAnna,anna@x,\nIhar,@ihar,2\n").unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!(ok[1].weight, 2);
        let e = read_voters("name,contact\nAnna,anna@x\nBoris,b@x\nanna,ANNA@X\n").unwrap_err();
        assert_eq!(e.line, 4);
        assert!(e.message.contains("line 2"), "{e}");
        let e = read_voters("name,contact,weight\nAnna,a,zero\n").unwrap_err();
        assert_eq!(e.line, 2);
        let e = read_voters("name,email\nAnna,a\n").unwrap_err();
        assert_eq!(e.line, 1);
        let e = read_voters("name,contact\n,a\n").unwrap_err();
        assert_eq!(e.line, 2);
        let e = read_voters("name,contact\nA,b,c,d\n").unwrap_err();
        assert_eq!(e.line, 2);
    }

    #[test]
    fn issue_writes_public_list_without_names_and_codes_that_match() {
        let mut rng = rand_core::OsRng;
        let o = urna_crypto::SecretKey::generate(&mut rng).public_key();
        let a = urna_crypto::SecretKey::generate(&mut rng).public_key();
        let manifest = crate::definition::parse(crate::definition::EXAMPLE, &o, &a).unwrap();
        let voters =
            read_voters("name,contact,language\nAnna Zhukava,+375 29 1234567,ru\nIhar,@ihar,\n")
                .unwrap();
        let dir = std::env::temp_dir().join(format!("urna-cred-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(issue(&voters, &manifest, &dir, &mut rng).unwrap(), 2);
        let public = std::fs::read_to_string(dir.join("public-credentials.json")).unwrap();
        // Nothing of the names or contacts (which cannot occur in hex).
        for secret in ["Anna", "Zhukava", "+375", "ihar", "Ihar"] {
            assert!(
                !public.contains(secret),
                "{secret} leaked into the public list"
            );
        }
        let list: Vec<serde_json::Value> = serde_json::from_str(&public).unwrap();
        let delivery = std::fs::read_to_string(dir.join("SECRET_delivery.csv")).unwrap();
        for line in delivery.lines().skip(1) {
            let code = line.rsplit(',').next().unwrap();
            let key = hex::encode(Credential::parse(code).unwrap().public_key().to_bytes());
            assert!(list.iter().any(|e| e["public"] == key.as_str()));
        }
        let sheet = std::fs::read_to_string(dir.join("SECRET_sheets/0001.html")).unwrap();
        assert!(sheet.contains("<svg") && sheet.contains("секретный"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn self_made_credentials_are_read_with_their_line_checked() {
        use rand_core::OsRng;
        let a = Credential::generate(&mut OsRng).public_key();
        let b = Credential::generate(&mut OsRng).public_key();
        let (ha, hb) = (hex::encode(a.to_bytes()), hex::encode(b.to_bytes()));
        let ok = read_voters_with_public(&format!(
            "name,contact,public_credential\nAnna,a@x,{ha}\nIhar,i@x,{}\n",
            hb.to_uppercase()
        ))
        .unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!(ok[0].1, a);
        assert_eq!(ok[1].1, b);
        // No column, a bad key, the identity, the same key twice: each names its line.
        let e = read_voters_with_public(&format!("name,contact\nAnna,a@x,{ha}\n")).unwrap_err();
        assert_eq!(e.line, 1);
        let e = read_voters_with_public(&format!(
            "name,contact,public_credential\nAnna,a@x,{ha}\nIhar,i@x,{}\n",
            &hb[..60]
        ))
        .unwrap_err();
        assert_eq!(e.line, 3);
        let zero = "0".repeat(64);
        let e = read_voters_with_public(&format!(
            "name,contact,public_credential\nAnna,a@x,{zero}\n"
        ))
        .unwrap_err();
        assert_eq!(e.line, 2);
        let e = read_voters_with_public(&format!(
            "name,contact,public_credential\nAnna,a@x,{ha}\nIhar,i@x,{ha}\n"
        ))
        .unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("line 2"), "{e}");
    }
}
