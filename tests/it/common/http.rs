//! A real HTTP server on 127.0.0.1 for tests: axum + tower-http `ServeDir`
//! (Range requests work) on its own thread with its own tokio runtime, so the
//! blocking client under test never runs inside a runtime.

use std::path::PathBuf;
use std::sync::mpsc;

/// Serves `dir` until the test process ends; returns the base URL, ending in `/`.
/// `/moved/PATH` answers with a permanent redirect to `/PATH`.
pub fn serve_dir(dir: impl Into<PathBuf>) -> String {
    let dir = dir.into();
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a tokio runtime for the test server");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind 127.0.0.1");
            sender
                .send(listener.local_addr().expect("local address"))
                .expect("report the address");
            let moved = |axum::extract::Path(path): axum::extract::Path<String>| async move {
                axum::response::Redirect::permanent(&format!("/{path}"))
            };
            let app = axum::Router::new()
                .route("/moved/{*path}", axum::routing::get(moved))
                .fallback_service(tower_http::services::ServeDir::new(dir));
            axum::serve(listener, app).await.expect("serve");
        });
    });
    let address = receiver.recv().expect("the test server starts");
    format!("http://{address}/")
}
