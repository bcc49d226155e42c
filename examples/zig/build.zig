//! Builds examples/zig/hello.zig against the Zig package of transom (bindings/zig, a path
//! dependency in build.zig.zon). `zig build run` runs it. The package's options pass through:
//! -Dtransom-prefix=DIR to use an installed transom or an unpacked release archive instead of
//! this repository's target/debug.
const std = @import("std");

pub fn build(b: *std.Build) void {
    const target = b.standardTargetOptions(.{});
    const optimize = b.standardOptimizeOption(.{});
    const transom = b.dependency("transom", .{
        .target = target,
        .optimize = optimize,
        .@"transom-prefix" = b.option([]const u8, "transom-prefix", "Directory with include/transom.h and lib/libtransom"),
        .@"cargo-profile" = b.option([]const u8, "cargo-profile", "In the repository: target/<profile> to link from (default debug)"),
    });
    const exe = b.addExecutable(.{
        .name = "hello",
        .root_module = b.createModule(.{
            .root_source_file = b.path("hello.zig"),
            .target = target,
            .optimize = optimize,
            .imports = &.{.{ .name = "transom", .module = transom.module("transom") }},
        }),
    });
    b.installArtifact(exe);
    const run = b.addRunArtifact(exe);
    run.step.dependOn(b.getInstallStep());
    b.step("run", "Run the demo").dependOn(&run.step);
}
