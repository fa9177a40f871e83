//! Another libm under the C names, for `LD_PRELOAD` (tests/preload/run.sh, issue 17).
//!
//! Every function below forwards to the `libm` crate (a pure-Rust port of musl's libm) and is
//! exported with C linkage under the C library's name. Preloaded, this library comes first in
//! the dynamic linker's search order, so a program's references to `exp`, `log`, `pow`, ...
//! bind here instead of to the system libm (glibc's). An unversioned definition satisfies the
//! program's versioned references (`exp@GLIBC_2.29`): glibc's loader accepts a symbol without
//! version information for any version requested.
//!
//! Results agree with glibc's to within an ulp or so but not bit for bit, which is the point:
//! secsim's outputs must not depend on which libm the machine provides.

/// Exports `extern "C" fn $name($arg: $ty, ...) -> $ty` forwarding to `libm::$name`.
macro_rules! export {
    ($($name:ident($($arg:ident: $ty:ty),+) -> $ret:ty;)+) => {
        $(
            #[doc = concat!("`", stringify!($name), "` from the `libm` crate, under the C name.")]
            #[unsafe(no_mangle)]
            pub extern "C" fn $name($($arg: $ty),+) -> $ret {
                libm::$name($($arg),+)
            }
        )+
    };
}

export! {
    exp(x: f64) -> f64;
    exp2(x: f64) -> f64;
    expm1(x: f64) -> f64;
    log(x: f64) -> f64;
    log2(x: f64) -> f64;
    log10(x: f64) -> f64;
    log1p(x: f64) -> f64;
    pow(x: f64, y: f64) -> f64;
    cbrt(x: f64) -> f64;
    hypot(x: f64, y: f64) -> f64;
    sin(x: f64) -> f64;
    cos(x: f64) -> f64;
    tan(x: f64) -> f64;
    asin(x: f64) -> f64;
    acos(x: f64) -> f64;
    atan(x: f64) -> f64;
    atan2(y: f64, x: f64) -> f64;
    sinh(x: f64) -> f64;
    cosh(x: f64) -> f64;
    tanh(x: f64) -> f64;

    expf(x: f32) -> f32;
    exp2f(x: f32) -> f32;
    expm1f(x: f32) -> f32;
    logf(x: f32) -> f32;
    log2f(x: f32) -> f32;
    log10f(x: f32) -> f32;
    log1pf(x: f32) -> f32;
    powf(x: f32, y: f32) -> f32;
    cbrtf(x: f32) -> f32;
    hypotf(x: f32, y: f32) -> f32;
    sinf(x: f32) -> f32;
    cosf(x: f32) -> f32;
    tanf(x: f32) -> f32;
    asinf(x: f32) -> f32;
    acosf(x: f32) -> f32;
    atanf(x: f32) -> f32;
    atan2f(y: f32, x: f32) -> f32;
    sinhf(x: f32) -> f32;
    coshf(x: f32) -> f32;
    tanhf(x: f32) -> f32;
}
