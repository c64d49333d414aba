### Urna's texts in English (en).
###
### One file per language, in Fluent (https://projectfluent.org): read
### i18n/README.md before changing a message id or adding a language.

## The language's name in itself, for the language menus of every page.

language-name = English

## The voting page (wasm/www/). Its ids are the keys that index.html and
## app.js use: keep them as they are.

title = Vote
language = Language
loading = Loading the election…
no_wasm = This page needs WebAssembly to encrypt your vote on your device, and this browser has it turned off (Tor Browser's “Safer” and “Safest” levels do this). You can still vote: use the command-line client urna-vote to make a sealed ballot file, then submit it through this board or any mirror.
election_fingerprint = Election fingerprint
fingerprint_help = Type the fingerprint the organizers announced (for example XXXX-XXXX-XXXX-XXXX-XXXX). It proves that this is their election.
# $fp: the election's short fingerprint (XXXX-XXXX-XXXX-XXXX-XXXX).
fingerprint_ok = The election matches the fingerprint { $fp }.
continue = Continue
# $hash: the SHA-256 of the voting client's WebAssembly, 64 hexadecimal digits.
client_hash = Hash of this voting client: { $hash }
credential = Your credential code
credential_help = 54 letters and digits in 9 groups, as you received it. It never leaves this device.
choose = Your choices
review = Review
review_title = Check your choices
nothing_chosen = nothing chosen
back = Change
encrypt = Encrypt my ballot
encrypting = Encrypting…
sealed_title = Your ballot is encrypted
tracking_code = Tracking code
tracking_help = Write it down: you will find your ballot on the board under this code.
cast = Cast my vote
audit = Check the encryption first (this ballot will not count)
save_file = Save as a ballot file to submit later
casting = Sending your ballot…
cast_done = Your vote was recorded.
receipt_help = Keep the receipt: it is the board's signed promise that your ballot is in the log. It does not reveal your vote.
download_receipt = Download the receipt
retry = Try again
audit_title = What your encrypted ballot contained
audit_help = This audited ballot is published without your credential and will never be counted. If it shows what you chose, the encryption was honest. To check it on another device, look up its tracking code there (urna-vote check-audit). Your vote is now encrypted again with new randomness.
audit_mismatch = The audit does not show what you chose. Do not vote on this device; tell the organizers.
audit_again = Continue with a fresh encryption
check_receipt = Check a receipt
make_link = I was asked to make my own credential
make_title = Make your own credential
make_help = Some elections ask voters to make their credential themselves. This page makes it on this device: a secret code that only you will know, and its public part, which you send to the credential authority so that they can register you. The secret code never leaves this device.
make_button = Make my credential
make_secret = Your secret credential code
make_warning = Write this code down now, on paper, and keep it hidden. It is your secret: anyone who has it can vote in your place. It cannot be recovered: nobody, not even the organizers, can show it to you again, and you need it to vote.
make_hide = I have written it down: hide it
make_hidden = The code is hidden and gone from this page.
make_public = Your public credential
make_public_help = Send this to the credential authority as they asked. It reveals nothing secret.
copy = Copy
copied = Copied.
copy_select = This browser does not let the page copy: the text is selected, copy it yourself.
download_public = Download as a text file
make_check = To check what you wrote down, type the code again
make_check_ok = Correct: this code belongs to your public credential.
make_check_bad = This is a valid code, but not the one made here. Check what you wrote down.
make_back = Back
receipt_file = Receipt file
check = Check
# $code: the ballot's short tracking code; $index: its position in the board's log (a number).
receipt_ok = The receipt is valid: ballot { $code } is entry { $index } of the board's log and is still included.
# A contest's rule. $min, $max: numbers of options.
choose_at_least = choose { $min } to { $max }
# A contest's rule. $n: the number of options to choose.
choose_exactly = choose { $n }
# A contest's rule. $max: the largest score per option.
score_range = 0 to { $max } for each
# A contest's rule. $max: the largest number of points per option; $budget: the points in all.
budget_range = up to { $max } for each, { $budget } in all
# $n: the points given so far in a budget contest.
total = Total: { $n }
# $message: the client's own error text (English).
err_generic = Something went wrong: { $message }

## The voting page's error messages, by the client's error codes
## (spec/client.md §7).

ERR_NO_SECURE_RNG = This browser cannot produce secure random numbers, so it cannot encrypt your vote safely. Use another browser or the urna-vote command-line client.
ERR_CREDENTIAL_CHECKSUM = The credential code has a typo: a character is wrong or two are swapped. Check it and try again.
ERR_CREDENTIAL_FORMAT = That is not a credential code: it should have 54 letters and digits.
ERR_CREDENTIAL_UNKNOWN = This credential is not registered for this election.
ERR_WRONG_ELECTION = This is not the election with the fingerprint you gave. Do not vote here.
ERR_LINK_MISMATCH = This link names two different elections (its address and its “#e=” part). Do not vote from it: open the election’s address as its organizers published it.
# $contest: the contest's title; $min: a number.
ERR_TOO_FEW_CHOICES = “{ $contest }”: choose at least { $min }.
# $contest: the contest's title; $max: a number.
ERR_TOO_MANY_CHOICES = “{ $contest }”: choose at most { $max }.
# $contest: the contest's title; $max: a number.
ERR_VALUE_TOO_LARGE = “{ $contest }”: at most { $max } per option.
# $contest: the contest's title; $budget, $total: numbers of points.
ERR_OVER_BUDGET = “{ $contest }”: at most { $budget } points in all (you gave { $total }).
ERR_ELECTION_NOT_OPEN = Voting has not opened yet.
ERR_ELECTION_CLOSED = Voting has closed.
ERR_BALLOT_SPOILED = This ballot was audited and can never be cast. Encrypt a fresh one.
ERR_RATE_LIMITED = Too many ballots from this credential just now. Wait a minute and try again.
ERR_QUEUED = The board is unreachable right now. This mirror has queued your ballot and will deliver it: press "Try again" later to get the board's receipt.
ERR_TRANSPORT = The board could not be reached. Your encrypted ballot is kept: try again, or save it as a file.
ERR_RECEIPT_INVALID = The receipt does not check out.
ERR_INCLUSION_INVALID = The board's proof does not include this ballot.
ERR_CHECKPOINT_INVALID = The board's signed tree head does not check out.

## The board's public pages: the election page (/elections/<id>), the
## result page (/elections/<id>/result) and their "not found" page. They
## also use language, language-name and election_fingerprint above.

board-not-found-title = Not found
board-not-found = There is no election at this address. Check the link you were given.
board-state = State
board-state-setup = Being set up: voting has not opened yet
board-state-open = Voting is open
board-state-closed = Voting has closed; the result is not published yet
board-state-counted = Voting has closed; the trustees have decrypted the result, the organizer has not signed it yet
board-state-result = Result published
board-period = Voting period
board-ballots-cast = Ballots cast (re-votes included)
board-ballots-audited = Audited ballots (never counted)
board-credentials = Registered credentials
board-tree-head = Latest signed tree head
board-tree-size = Entries in the log
board-root-hash = Root hash
board-signed-at = Signed at
board-key = Board key
board-fingerprint-short = Short form
board-fingerprint-help = Compare it with the fingerprint the organizers announced: it names this election, its key and its list of credentials.
board-fingerprint-none = Not fixed yet: the trustees' key and the credential list are not both posted.
board-vote = Go to the voting page
board-result = Result
# The result page's title (browser tab). $title: the election's title.
board-result-page-title = Result — { $title }
board-verify-title = Verify the election yourself
board-verify-help = Download the election record and check it with the independent verifier tally: every signature, every proof, the re-voting rule and the count.
board-verify-fetch = Or, with tally only:
board-verify-mirror = Any mirror serves the same record. Compare the tree head above with what others see: one log for everybody.
board-official = Official result: signed by the organizer and checked by this board against the trustees' decryption.
board-provisional = Provisional result: computed by this board from the trustees' decryption shares; not yet signed by the organizer.
board-no-result = No result yet.
board-option = Option
board-total = Total
board-share = Share
# The label of a contest's bar chart, for screen readers. $contest: the contest's title.
board-chart-label = Totals: { $contest }
board-election-page = Election page
