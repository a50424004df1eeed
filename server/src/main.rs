// Rust's allocations go to mimalloc instead of glibc's malloc, whose
// malloc and free were about a tenth of the server's CPU under load: the
// login code step served 6-13% more per CPU-second with it in paired runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    server::cli::main()
}
