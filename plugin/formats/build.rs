//! Link flags for the plugin library.

fn main() {
    // nice-plug registers a thread-local destructor inside this library
    // (`std::thread::current()` when an instance is created). If a host
    // unloads the library before such a thread exits, the thread's exit
    // jumps into unmapped code. `-z nodelete` keeps the library mapped after
    // dlclose, which is what every host needs from a Rust plugin.
    println!("cargo:rustc-cdylib-link-arg=-Wl,-z,nodelete");
}
