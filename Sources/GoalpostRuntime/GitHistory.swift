import Foundation
import GoalpostModel

/// What Goalpost reads from a local git repository: whether one commit is in another's history, and a range of
/// commits as a change (titles, messages, changed files).
public enum GitHistory {
    /// Whether `ancestor` is `descendant` or one of its ancestors in `repository`; false when git cannot tell
    /// (no such commit, not a repository, no git).
    public static func isAncestor(_ ancestor: String, of descendant: String, in repository: String) -> Bool {
        guard Self.safe(ancestor), Self.safe(descendant) else { return false }
        return (try? run(["-C", repository, "merge-base", "--is-ancestor", ancestor, descendant]))?.status == 0
    }

    /// The change a range of commits (`main..HEAD`, `abc123~3..abc123`) makes: the newest commit's subject as the
    /// title, every message as the description, the files changed across the range, the newest commit.
    public static func change(range: String, in repository: String) throws(GitError) -> ChangeRequest {
        guard safe(range) else { throw GitError("the range '\(range)' is not a git revision range") }
        let log = try output(["-C", repository, "log", "--format=%H%x1f%s%x1f%b%x1e", range])
        let commits = log.split(separator: "\u{1E}").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        guard let newest = commits.first else { throw GitError("the range '\(range)' has no commits in \(repository)") }
        let fields = newest.split(separator: "\u{1F}", omittingEmptySubsequences: false).map(String.init)
        // The newest subject is the title; its body and the older commits' messages describe the change.
        let messages = commits.enumerated().map { index, commit -> String in
            let parts = commit.split(separator: "\u{1F}", omittingEmptySubsequences: false).map(String.init)
            return parts.dropFirst(index == 0 ? 2 : 1).joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        }.filter { !$0.isEmpty }
        // A range: what changed across it; one commit: what it changed (a root commit too).
        let listing = range.contains("..")
            ? try output(["-C", repository, "diff", "--name-only", range])
            : try output(["-C", repository, "diff-tree", "--no-commit-id", "--name-only", "-r", "--root", range])
        let files = listing.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        return ChangeRequest(title: fields.count > 1 ? fields[1] : range, description: messages.isEmpty ? nil : messages.joined(separator: "\n\n"), files: files, commit: fields.first)
    }

    /// A revision or range: no option-like or shell-like text reaches git.
    static func safe(_ revision: String) -> Bool {
        !revision.isEmpty && !revision.hasPrefix("-") && revision.allSatisfy { $0.isLetter || $0.isNumber || "._/~^@-".contains($0) }
    }

    static func output(_ arguments: [String]) throws(GitError) -> String {
        let result: (status: Int32, output: String, error: String)
        do {
            result = try run(arguments)
        } catch {
            throw GitError("could not run git: \(error)")
        }
        guard result.status == 0 else { throw GitError("git \(arguments.dropFirst(2).joined(separator: " ")) failed: \(result.error.trimmingCharacters(in: .whitespacesAndNewlines))") }
        return result.output
    }

    static func run(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self), String(decoding: errors, as: UTF8.self))
    }
}

public struct GitError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}
