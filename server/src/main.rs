// Rust's allocations go to mimalloc's per-thread heaps instead of glibc's
// arenas: under load a request's many small allocations (headers, rows,
// the rendered answer) are freed on other threads than made them. The
// login code step served 6-13% more per CPU-second with it in paired runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    server::cli::main()
}
