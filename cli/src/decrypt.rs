//! `milmed decrypt`: restores the plaintext of a file written by `generate --encrypt`.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read};

use milmed_core::output::{Access, DecryptError, Partial, decrypt as decrypt_stream};

use crate::args::DecryptArgs;
use crate::exit::{Exit, print_stderr};
use crate::password::{Purpose, password};
use crate::signals::{self, Policy, Protected};

/// Runs `milmed decrypt`.
///
/// Chunks are verified one by one and only verified plaintext is written. Into a file,
/// the plaintext goes to `FILE.partial` (mode 600, kept by `FILE`), renamed to `FILE`
/// once the whole file has verified and removed otherwise — also when SIGINT, SIGTERM or
/// SIGHUP stops the command — so a failed or interrupted decryption leaves no plaintext
/// behind. On standard output, the chunks before a bad one have already been written
/// when the error is reported (exit 2).
pub fn decrypt(args: &DecryptArgs) -> Result<(), Exit> {
    let from_stdin = args.input.as_os_str() == "-";
    let input: Box<dyn Read> = if from_stdin {
        Box::new(io::stdin().lock())
    } else {
        let file = File::open(&args.input)
            .map_err(|e| Exit::usage(format!("cannot open {}: {e}", args.input.display())))?;
        Box::new(BufReader::new(file))
    };
    let source = if from_stdin {
        "standard input".to_owned()
    } else {
        args.input.display().to_string()
    };
    let password = password(args.password_file.as_deref(), Purpose::Decrypt)?;
    // After the password prompt, which must restore the terminal's echo on Ctrl-C.
    signals::install(Policy::Abort)?;
    let failed = |e: DecryptError| match e {
        DecryptError::Write(e) => Exit::runtime(format!("cannot write the plaintext: {e}")),
        DecryptError::Read(e) => Exit::runtime(format!("cannot read {source}: {e}")),
        other => Exit::usage(format!("{source}: {other}")),
    };

    let output = args.output.as_deref().filter(|p| p.as_os_str() != "-");
    let bytes = match output {
        None => {
            let stdout = io::stdout().lock();
            match decrypt_stream(input, stdout, password.as_bytes()) {
                Err(DecryptError::Write(e)) if e.kind() == io::ErrorKind::BrokenPipe => {
                    return Err(Exit::stdout(&e));
                }
                other => other.map_err(failed)?,
            }
        }
        Some(path) => {
            let (partial, file) = Partial::file_with(path, Access::Private)
                .map_err(|e| Exit::usage(e.to_string()))?;
            let partial = Protected::new(partial);
            let bytes =
                decrypt_stream(input, BufWriter::new(file), password.as_bytes()).map_err(failed)?;
            partial.commit().map_err(|e| Exit::runtime(e.to_string()))?;
            bytes
        }
    };
    let target = output.map_or_else(|| "stdout".to_owned(), |p| p.display().to_string());
    print_stderr(&format!(
        "milmed: decrypted {bytes} bytes from {source} -> {target}"
    ));
    Ok(())
}
