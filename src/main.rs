use clap::Parser;

/// mimalloc for Rust's allocations: a server answering thousands of small requests a second
/// spends much of its time allocating and freeing across threads, and glibc's allocator keeps
/// what it freed (issue 23, measured in docs/architecture.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    no_huge_pages();
    limit_malloc_arenas();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the async runtime starts")
        .block_on(run())
}

async fn run() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ZIZHI_LOG")
                .unwrap_or_else(|_| "zizhi=info,sqlx=error,warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match zizhi::cli::run(zizhi::cli::Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("zizhi: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// No transparent huge pages for this process: an allocator that asks for them (mimalloc does
/// for its arenas) is given whole 2 MiB pages that count in full against the server's memory
/// however little of each is used (34 MiB of the 80 in a soak; issue 23). Databases ask the same
/// of their hosts; this asks it of the kernel for zizhi alone, for the allocations that follow.
fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with PR_SET_THP_DISABLE only sets a flag of this process's memory.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// glibc gives each thread that allocates under contention an arena of its own (up to 8 per
/// core), and SQLite's connection threads allocate a lot: the arenas' fragments doubled the
/// server's memory at street scale (123 MiB → 67 MiB with two; issue 9). An operator's
/// `MALLOC_ARENA_MAX` still wins.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt only sets an allocator parameter; called before any other thread
        // exists.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
}
