//! Prints the voting page's messages as a JavaScript module, made from the
//! Fluent files `i18n/*.ftl` (`urna_board::public_page::messages`), or
//! what is wrong with the files. Run by `scripts/build-i18n`, which
//! writes it to `wasm/www/i18n-messages.js`.

use std::process::ExitCode;

fn main() -> ExitCode {
    match urna_board::public_page::messages::voting_page_module() {
        Ok(js) => {
            print!("{js}");
            ExitCode::SUCCESS
        }
        Err(problems) => {
            for p in problems {
                eprintln!("{p}");
            }
            ExitCode::FAILURE
        }
    }
}
