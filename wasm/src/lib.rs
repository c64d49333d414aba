//! Thin browser bindings of `voter-client` for the voting page
//! (`wasm/www/`). This crate holds no cryptography of its own: it converts
//! strings and bytes, calls `voter-client`, and turns errors into JSON
//! (`{"code", "message", "detail"}`, thrown as a string) that the page
//! translates by `code` (`spec/client.md` §7).
//!
//! The flow mirrors the library's types; methods that take `self` consume
//! the JavaScript object, so a sealed ballot can be audited or cast, never
//! both:
//!
//! ```text
//! new Election(bundleJson, fingerprint)
//! new Draft(election, credentialCode) .set(c, o, v) .check() .seal() → Sealed
//! Sealed .trackingCode() .shortCode() .audit() → Audit | .intoBallotFile() → BallotFile
//! Audit .shownJson() .trackingCode() .entryHex() .requestJson() .takeDraft() → Draft
//! BallotFile .entryHex() .fileBytes() .text() .qrPayload() .acceptReceipt(…) → receipt JSON
//! checkReceipt(json), checkInclusion(json, headJson, proofJson)
//! generateCredential() → NewCredential .code() .publicCredential(); publicCredential(code)
//! ```
#![forbid(unsafe_code)]

use voter_client::{
    AuditedBallot, BallotDraft, BallotFile, BoardPublicKey, CastReceipt, ClientError, Credential,
    Election, ElectionBundle, ExpectedFingerprint, SealedBallot,
};
use wasm_bindgen::prelude::*;

/// The JSON of an error: a stable `code`, an English `message` (for
/// logs; the page shows its own translation of `code`), and for rule
/// violations the `detail` (`rule`, contest, limits) to fill the translation.
pub fn error_json(e: &ClientError) -> String {
    let detail = match e {
        ClientError::Choice(c) => serde_json::to_value(c).unwrap_or(serde_json::Value::Null),
        ClientError::Credential(voter_client::CredentialCodeError::WrongLength {
            expected,
            found,
        }) => serde_json::json!({ "expected": expected, "found": found }),
        ClientError::Credential(voter_client::CredentialCodeError::BadCharacter { position }) => {
            serde_json::json!({ "position": position })
        }
        _ => serde_json::Value::Null,
    };
    serde_json::json!({ "code": e.code(), "message": e.to_string(), "detail": detail }).to_string()
}

fn err(e: ClientError) -> JsValue {
    JsValue::from_str(&error_json(&e))
}

fn format_err(what: &'static str, reason: impl Into<String>) -> JsValue {
    err(ClientError::Format {
        what,
        reason: reason.into(),
    })
}

/// Fail with `ERR_NO_SECURE_RNG` unless the platform's secure generator
/// works (the page calls this before anything else).
#[wasm_bindgen(js_name = checkSecureRng)]
pub fn check_secure_rng() -> Result<(), JsValue> {
    voter_client::secure_rng().map(|_| ()).map_err(err)
}

/// Assemble an election bundle (JSON) from the board's first log entries
/// (`entriesJson`: the board's `/entries` answer, `{"entries": [{"entry": hex}, …]}`)
/// and its key (hex). Returns `undefined` while the log has no credential
/// list yet. Nothing is trusted until [`WasmElection::new`] checks it.
#[wasm_bindgen(js_name = bundleFromEntries)]
pub fn bundle_from_entries(
    entries_json: &str,
    board_key_hex: &str,
) -> Result<Option<String>, JsValue> {
    #[derive(serde::Deserialize)]
    struct Row {
        entry: String,
    }
    #[derive(serde::Deserialize)]
    struct Page {
        entries: Vec<Row>,
    }
    let page: Page = serde_json::from_str(entries_json)
        .map_err(|e| format_err("board entries", e.to_string()))?;
    let entries = page
        .entries
        .iter()
        .map(|r| hex::decode(&r.entry))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| format_err("board entries", "an entry is not hex"))?;
    let key = hex::decode(board_key_hex)
        .ok()
        .and_then(|b| BoardPublicKey::from_bytes(&b).ok())
        .ok_or_else(|| format_err("board key", "not a board public key"))?;
    ElectionBundle::from_log_entries(&entries, Some(&key))
        .map(|b| b.map(|b| b.to_json()))
        .map_err(err)
}

/// A loaded election, checked against the expected fingerprint.
#[wasm_bindgen]
pub struct WasmElection(Election);

#[wasm_bindgen]
impl WasmElection {
    /// Check the bundle (JSON) against the fingerprint (full or short form).
    #[wasm_bindgen(constructor)]
    pub fn new(bundle_json: &str, expected_fingerprint: &str) -> Result<WasmElection, JsValue> {
        let expected = ExpectedFingerprint::parse(expected_fingerprint).map_err(err)?;
        let bundle = ElectionBundle::from_json(bundle_json).map_err(err)?;
        Election::load(&bundle, &expected)
            .map(WasmElection)
            .map_err(err)
    }

    /// The manifest, JSON (`spec/record.md` §3.5): titles in every language, rules.
    #[wasm_bindgen(js_name = manifestJson)]
    pub fn manifest_json(&self) -> String {
        self.0.manifest().to_json()
    }

    /// The election id.
    #[wasm_bindgen(js_name = electionId)]
    pub fn election_id(&self) -> String {
        self.0.manifest().election_id.clone()
    }

    /// The fingerprint, 64 hex digits.
    pub fn fingerprint(&self) -> String {
        self.0.fingerprint().to_hex()
    }

    /// The fingerprint's short form.
    #[wasm_bindgen(js_name = shortFingerprint)]
    pub fn short_fingerprint(&self) -> String {
        voter_client::election::short_fingerprint(&self.0.fingerprint())
    }

    /// The board key named in the bundle (hex), if any.
    #[wasm_bindgen(js_name = boardKey)]
    pub fn board_key(&self) -> Option<String> {
        self.0.board_key().map(|k| hex::encode(k.to_bytes()))
    }
}

/// A ballot being filled in.
#[wasm_bindgen]
pub struct WasmDraft(BallotDraft);

#[wasm_bindgen]
impl WasmDraft {
    /// A draft for the credential of a typed code (checksum, registration).
    #[wasm_bindgen(constructor)]
    pub fn new(election: &WasmElection, credential_code: &str) -> Result<WasmDraft, JsValue> {
        let credential = Credential::parse(credential_code).map_err(|e| err(e.into()))?;
        BallotDraft::new(&election.0, credential)
            .map(WasmDraft)
            .map_err(err)
    }

    /// Set option `option` of contest `contest` to `value`.
    pub fn set(&mut self, contest: usize, option: usize, value: u32) -> Result<(), JsValue> {
        self.0.set(contest, option, u64::from(value)).map_err(err)
    }

    /// The choices, JSON `[[v, …], …]`.
    #[wasm_bindgen(js_name = choicesJson)]
    pub fn choices_json(&self) -> String {
        serde_json::to_string(self.0.choices()).unwrap_or_default()
    }

    /// Check every rule of the manifest.
    pub fn check(&self) -> Result<(), JsValue> {
        self.0.check().map_err(|e| err(e.into()))
    }

    /// Encrypt, prove and sign (consumes the draft).
    pub fn seal(self) -> Result<WasmSealed, JsValue> {
        self.0.seal().map(WasmSealed).map_err(err)
    }
}

/// A sealed ballot: audit it or cast it.
#[wasm_bindgen]
pub struct WasmSealed(SealedBallot);

#[wasm_bindgen]
impl WasmSealed {
    /// The tracking code, 64 hex digits.
    #[wasm_bindgen(js_name = trackingCode)]
    pub fn tracking_code(&self) -> String {
        self.0.tracking_code().to_hex()
    }

    /// The tracking code's short form (show this).
    #[wasm_bindgen(js_name = shortCode)]
    pub fn short_code(&self) -> String {
        self.0.tracking_code().short()
    }

    /// Reveal the randomness (consumes the sealed ballot).
    pub fn audit(self) -> WasmAudit {
        let (audited, draft) = self.0.audit();
        WasmAudit {
            audited,
            draft: Some(draft),
        }
    }

    /// Give up the randomness and keep the ballot to cast (consumes it).
    #[wasm_bindgen(js_name = intoBallotFile)]
    pub fn into_ballot_file(self) -> WasmBallotFile {
        WasmBallotFile(self.0.into_ballot_file())
    }
}

/// An audited ballot and the draft to encrypt afresh.
#[wasm_bindgen]
pub struct WasmAudit {
    audited: AuditedBallot,
    draft: Option<BallotDraft>,
}

#[wasm_bindgen]
impl WasmAudit {
    /// The audited ballot's tracking code's short form.
    #[wasm_bindgen(js_name = shortCode)]
    pub fn short_code(&self) -> String {
        self.audited.tracking_code().short()
    }

    /// Check the audit and return what the ballot encrypts, JSON
    /// `[{"contest", "values": [[option, value], …]}, …]`.
    #[wasm_bindgen(js_name = shownJson)]
    pub fn shown_json(&self) -> Result<String, JsValue> {
        let shown = self.audited.verify().map_err(err)?;
        Ok(serde_json::to_string(&shown).unwrap_or_default())
    }

    /// The audit's tracking code, 64 hex digits (recomputed from the
    /// ciphertexts and `H_b`: the code a second device looks up).
    #[wasm_bindgen(js_name = trackingCode)]
    pub fn tracking_code(&self) -> String {
        self.audited.tracking_code().to_hex()
    }

    /// The spoiled entry, hex: names no credential (`spec/record.md` §5.5).
    #[wasm_bindgen(js_name = entryHex)]
    pub fn entry_hex(&self) -> String {
        hex::encode(self.audited.entry_bytes())
    }

    /// The body to post to `…/spoiled` (`spec/api.md` §5.6): the entry,
    /// and the credential's request, which the board checks and charges
    /// but never publishes.
    #[wasm_bindgen(js_name = requestJson)]
    pub fn request_json(&self) -> Result<String, JsValue> {
        let req = self
            .audited
            .request()
            .ok_or_else(|| format_err("audit", "no request: this audit was read from a board"))?;
        Ok(serde_json::json!({
            "entry": hex::encode(self.audited.entry_bytes()),
            "credential": hex::encode(req.credential.to_bytes()),
            "signature": hex::encode(req.signature.to_bytes()),
        })
        .to_string())
    }

    /// The draft with the same choices, to seal afresh (once).
    #[wasm_bindgen(js_name = takeDraft)]
    pub fn take_draft(&mut self) -> Result<WasmDraft, JsValue> {
        self.draft
            .take()
            .map(WasmDraft)
            .ok_or_else(|| format_err("audit", "the draft was already taken"))
    }
}

/// A ballot to cast: submit it (the page's fetch), or save it.
#[wasm_bindgen]
pub struct WasmBallotFile(BallotFile);

#[wasm_bindgen]
impl WasmBallotFile {
    /// Read a saved ballot file (binary or text form).
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(bytes: &[u8]) -> Result<WasmBallotFile, JsValue> {
        BallotFile::from_bytes(bytes)
            .map(WasmBallotFile)
            .map_err(err)
    }

    /// The short tracking code.
    #[wasm_bindgen(js_name = shortCode)]
    pub fn short_code(&self) -> String {
        self.0.tracking_code().short()
    }

    /// The election id.
    #[wasm_bindgen(js_name = electionId)]
    pub fn election_id(&self) -> String {
        self.0.election_id().to_string()
    }

    /// The ballot entry to post, hex (`{"entry": …}` body).
    #[wasm_bindgen(js_name = entryHex)]
    pub fn entry_hex(&self) -> String {
        hex::encode(self.0.entry_bytes())
    }

    /// The sealed ballot file, for download.
    #[wasm_bindgen(js_name = fileBytes)]
    pub fn file_bytes(&self) -> Vec<u8> {
        self.0.to_bytes()
    }

    /// The text form.
    pub fn text(&self) -> String {
        self.0.to_text()
    }

    /// The QR payload, when it fits one QR code.
    #[wasm_bindgen(js_name = qrPayload)]
    pub fn qr_payload(&self) -> Option<String> {
        self.0.qr_payload()
    }

    /// Check the board's answer (JSON) to this ballot's submission under
    /// the board key (hex) and return the voter's receipt (JSON).
    #[wasm_bindgen(js_name = acceptReceipt)]
    pub fn accept_receipt(
        &self,
        election: &WasmElection,
        answer_json: &str,
        board_key_hex: &str,
    ) -> Result<String, JsValue> {
        self.0
            .accept_receipt_json(&election.0, answer_json, board_key_hex)
            .map(|r| r.to_json())
            .map_err(err)
    }
}

/// A credential the voter makes on their own device (`spec/client.md`
/// §8.4): the secret code, which only the page shows and only the voter
/// keeps, and the public credential sent to the credential authority.
#[wasm_bindgen(js_name = NewCredential)]
pub struct WasmNewCredential(Credential);

#[wasm_bindgen(js_class = NewCredential)]
impl WasmNewCredential {
    /// The secret credential code, in nine groups of six characters
    /// (`spec/client.md` §2.2). Show it once; never store or send it.
    pub fn code(&self) -> String {
        self.0.to_code().to_string()
    }

    /// The public credential: 64 lower-case hex digits of the public key
    /// `X = x·G` (`spec/client.md` §2.3), what the authority registers.
    #[wasm_bindgen(js_name = publicCredential)]
    pub fn public_credential(&self) -> String {
        hex::encode(self.0.public_key().to_bytes())
    }
}

/// Make a fresh credential from the platform's secure generator
/// (`ERR_NO_SECURE_RNG` without one).
#[wasm_bindgen(js_name = generateCredential)]
pub fn generate_credential() -> Result<WasmNewCredential, JsValue> {
    let mut rng = voter_client::secure_rng().map_err(err)?;
    Ok(WasmNewCredential(Credential::generate(&mut rng)))
}

/// The public credential (64 lower-case hex digits) of a typed credential
/// code, so a voter can check that the code they wrote down is the one
/// they made; fails like any typed code (`ERR_CREDENTIAL_CHECKSUM`,
/// `ERR_CREDENTIAL_FORMAT`).
#[wasm_bindgen(js_name = publicCredential)]
pub fn public_credential(code: &str) -> Result<String, JsValue> {
    let credential = Credential::parse(code).map_err(|e| err(e.into()))?;
    Ok(hex::encode(credential.public_key().to_bytes()))
}

/// Check a saved receipt offline; returns `{"short_code", "log_index", "tree_size"}`.
#[wasm_bindgen(js_name = checkReceipt)]
pub fn check_receipt(receipt_json: &str) -> Result<String, JsValue> {
    let r = CastReceipt::from_json(receipt_json).map_err(err)?;
    r.verify().map_err(err)?;
    Ok(serde_json::json!({
        "short_code": r.short_code,
        "election": r.election,
        "log_index": r.log_index(),
        "tree_size": r.board.tree_head.tree_size,
    })
    .to_string())
}

/// Check a saved receipt against a later tree head and inclusion proof
/// (JSON, as the board's `/proof/inclusion` answers).
#[wasm_bindgen(js_name = checkInclusion)]
pub fn check_inclusion(
    receipt_json: &str,
    head_json: &str,
    proof_json: &str,
) -> Result<(), JsValue> {
    let r = CastReceipt::from_json(receipt_json).map_err(err)?;
    let head =
        serde_json::from_str(head_json).map_err(|e| format_err("tree head", e.to_string()))?;
    let proof = serde_json::from_str(proof_json)
        .map_err(|e| format_err("inclusion proof", e.to_string()))?;
    r.check_inclusion(&head, &proof).map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use voter_client::testing::sample_election;
    use voter_client::MemoryBoard;

    #[test]
    fn errors_are_json_with_codes_and_details() {
        let (election, _, creds) = sample_election(1);
        let mut d = BallotDraft::new(&election, creds[0].clone()).unwrap();
        d.set(0, 0, 1).unwrap();
        d.set(0, 1, 1).unwrap();
        d.set(0, 2, 1).unwrap();
        let e = d.check().unwrap_err();
        let j: serde_json::Value = serde_json::from_str(&error_json(&e.into())).unwrap();
        assert_eq!(j["code"], "ERR_TOO_MANY_CHOICES");
        assert_eq!(j["detail"]["rule"], "too_many");
        assert_eq!(j["detail"]["max"], 2);
        let e = Credential::parse("1234").unwrap_err();
        let j: serde_json::Value = serde_json::from_str(&error_json(&e.into())).unwrap();
        assert_eq!(j["code"], "ERR_CREDENTIAL_FORMAT");
        assert_eq!(j["detail"]["found"], 4);
        let j: serde_json::Value =
            serde_json::from_str(&error_json(&ClientError::NoSecureRng)).unwrap();
        assert_eq!(j["code"], "ERR_NO_SECURE_RNG");
    }

    #[test]
    fn the_page_flow_in_plain_rust() {
        // What the page does, with the board's answer passed as JSON text.
        let (election, bundle, creds) = sample_election(1);
        let board = MemoryBoard::new(&bundle, &election, [3; 32]).unwrap();
        let mut d = BallotDraft::new(&election, creds[0].clone()).unwrap();
        d.set(0, 1, 1).unwrap();
        let file = d.seal().unwrap().into_ballot_file();
        let answer =
            voter_client::BoardApi::submit_ballot(&board, "sample", &file.entry_bytes()).unwrap();
        let key = hex::encode(
            voter_client::BoardApi::board_key(&board)
                .unwrap()
                .to_bytes(),
        );
        let json = serde_json::to_string(&answer).unwrap();
        let receipt = file.accept_receipt_json(&election, &json, &key).unwrap();
        receipt.verify().unwrap();
        let wrong = hex::encode(
            voter_client::BoardApi::board_key(
                &MemoryBoard::new(&bundle, &election, [4; 32]).unwrap(),
            )
            .unwrap()
            .to_bytes(),
        );
        let e = file
            .accept_receipt_json(&election, &json, &wrong)
            .unwrap_err();
        assert_eq!(e.code(), "ERR_RECEIPT_INVALID");
    }

    #[test]
    fn a_made_credential_parses_back_to_its_public_credential() {
        let made = generate_credential().unwrap();
        let public = made.public_credential();
        assert_eq!(public.len(), 64);
        assert!(public
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        let code = made.code();
        assert_eq!(public_credential(&code).unwrap(), public);
        // Lower case and without the dashes, as a voter may type it.
        let typed = code.replace('-', "").to_lowercase();
        assert_eq!(public_credential(&typed).unwrap(), public);
        // Two credentials differ.
        assert_ne!(generate_credential().unwrap().public_credential(), public);
    }
}
