//! The Zig package of transom: the module `transom` (src/transom.zig) over include/transom.h,
//! translated with the build system's translate-c step, linked against libtransom.
//!
//! Where the header and the library come from:
//! - default: this repository: ../../include/transom.h and ../../target/<cargo-profile>
//!   (`cargo build` first; -Dcargo-profile=release for target/release);
//! - -Dtransom-prefix=DIR: an installed transom or an unpacked release archive
//!   (DIR/include/transom.h, DIR/lib/libtransom.so);
//! - -Dtransom-include=DIR and -Dtransom-lib=DIR set each directory on its own.
//! The library directory also goes into the rpath of what links the module, so programs run
//! without LD_LIBRARY_PATH (-Drpath=false to leave it out).
//!
//! Steps: `zig build test` (unit tests, then tests/windows_test.zig with real windows: needs a
//! display, e.g. xvfb-run), `zig build docs`.
const std = @import("std");

pub fn build(b: *std.Build) void {
    const target = b.standardTargetOptions(.{});
    const optimize = b.standardOptimizeOption(.{});

    const prefix = b.option([]const u8, "transom-prefix", "Directory with include/transom.h and lib/libtransom (installed or unpacked transom)");
    const include_opt = b.option([]const u8, "transom-include", "Directory with transom.h");
    const lib_opt = b.option([]const u8, "transom-lib", "Directory with libtransom.so / .dylib / transom.dll");
    const profile = b.option([]const u8, "cargo-profile", "In the repository: the cargo profile directory to link from (default debug)") orelse "debug";
    const rpath = b.option(bool, "rpath", "Put the library directory in the rpath (default true)") orelse true;

    // Absolute paths: the library directory becomes an rpath, which must not be relative.
    const in_tree = b.root.joinString(b.graph.arena, "../..") catch @panic("OOM");
    const include_dir: std.Build.LazyPath = .{ .cwd_relative = absolute(b, if (include_opt) |dir|
        dir
    else if (prefix) |p|
        b.pathJoin(&.{ p, "include" })
    else
        b.pathJoin(&.{ in_tree, "include" })) };
    const lib_dir: std.Build.LazyPath = .{ .cwd_relative = absolute(b, if (lib_opt) |dir|
        dir
    else if (prefix) |p|
        b.pathJoin(&.{ p, "lib" })
    else
        b.pathJoin(&.{ in_tree, "target", profile })) };

    // include/transom.h -> Zig, as the module `c` of the wrapper.
    const translate = b.addTranslateC(.{
        .root_source_file = include_dir.path(b, "transom.h"),
        .target = target,
        .optimize = optimize,
    });
    const c_module = translate.createModule();

    const module = b.addModule("transom", .{
        .root_source_file = b.path("src/transom.zig"),
        .target = target,
        .optimize = optimize,
        .link_libc = true,
        .imports = &.{.{ .name = "c", .module = c_module }},
    });
    module.addLibraryPath(lib_dir);
    if (rpath) module.addRPath(lib_dir);
    module.linkSystemLibrary("transom", .{});

    // Tests: the wrapper's unit tests, then real windows (tests/windows_test.zig).
    const test_step = b.step("test", "Run the tests (the window tests need a display: xvfb-run -a zig build test)");
    const unit_tests = b.addTest(.{ .name = "transom-unit", .root_module = module });
    const run_unit_tests = b.addRunArtifact(unit_tests);
    // They call into the library, which the build system does not track: always run them.
    run_unit_tests.has_side_effects = true;
    test_step.dependOn(&run_unit_tests.step);
    const window_tests = b.addTest(.{
        .name = "transom-windows",
        .root_module = b.createModule(.{
            .root_source_file = b.path("tests/windows_test.zig"),
            .target = target,
            .optimize = optimize,
            .imports = &.{.{ .name = "transom", .module = module }},
        }),
    });
    const run_window_tests = b.addRunArtifact(window_tests);
    run_window_tests.has_side_effects = true;
    run_window_tests.step.dependOn(&run_unit_tests.step);
    test_step.dependOn(&run_window_tests.step);

    const docs = b.addInstallDirectory(.{
        .source_dir = unit_tests.getEmittedDocs(),
        .install_dir = .prefix,
        .install_subdir = "docs",
    });
    b.step("docs", "Generate the module's documentation into zig-out/docs").dependOn(&docs.step);
}

fn absolute(b: *std.Build, path: []const u8) []const u8 {
    if (std.fs.path.isAbsolute(path)) return path;
    const cwd = std.process.currentPathAlloc(b.graph.io, b.graph.arena) catch |err|
        std.debug.panic("cannot get the current directory: {t}", .{err});
    return b.pathResolve(&.{ cwd, path });
}
