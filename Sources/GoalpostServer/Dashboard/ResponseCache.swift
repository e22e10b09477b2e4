import Foundation
import GoalpostRuntime
import Hummingbird
import NIOCore

/// A rendered answer: status, content type and bytes, so it can be kept and served again.
struct Page: Sendable {
    var status: HTTPResponse.Status
    var contentType: String
    var body: ByteBuffer
}

/// Answers that depend only on the engine's last evaluation and the stored records, kept until the pipeline's
/// `readGeneration` changes (the next evaluation, or a deploy, customer or incident note being stored). With
/// many readers (a wall of dashboards, `wrk`), each page is computed once per evaluation instead of once per
/// request, and readers stop queueing behind ingest on the pipeline's worker.
final class ResponseCache: @unchecked Sendable {
    private let lock = NSLock()
    /// The page per key, or the task computing it: readers arriving while it is computed wait for that one
    /// computation instead of starting their own (after each evaluation every open dashboard asks at once).
    private var entries: [String: (generation: Int, task: Task<Page, Never>)] = [:]
    /// More keys than this (one per outcome, customer and incident page viewed) and the cache starts over.
    private let limit = 2048

    /// The page kept for `key` at `generation`, or a fresh one from `make`. Only 200s are kept.
    func page(_ key: String, generation: Int, make: @escaping @Sendable () async -> Page) async -> Page {
        let task: Task<Page, Never> = lock.withLock {
            if let kept = entries[key], kept.generation == generation { return kept.task }
            if entries.count >= limit { entries.removeAll(keepingCapacity: true) }
            let fresh = Task { await make() }
            entries[key] = (generation, fresh)
            return fresh
        }
        let page = await task.value
        if page.status != .ok {
            lock.withLock {
                if let kept = entries[key], kept.generation == generation { entries[key] = nil }
            }
        }
        return page
    }
}

extension API {
    static func response(_ page: Page) -> Response {
        var response = Response(status: page.status, body: .init(byteBuffer: page.body))
        response.headers[.contentType] = page.contentType
        response.headers[.cacheControl] = "no-store"
        return response
    }

    /// Serves `key` from the cache while nothing it shows has changed.
    func cached(_ key: String, _ make: @escaping @Sendable () async -> Page) async -> Response {
        Self.response(await cache.page(key, generation: pipeline.readGeneration, make: make))
    }
}
