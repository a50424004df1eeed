//! The `server` command line, as a binary of this package: the fault drills
//! (`tests/api/drills.rs`) start it as a child process and SIGKILL it.

fn main() -> std::process::ExitCode {
    server::cli::main()
}
