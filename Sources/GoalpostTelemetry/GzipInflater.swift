import CZlib

/// Streaming gzip decompression with zlib: feed compressed bytes as they come, get the plain
/// bytes through a callback. Handles concatenated gzip members (what `cat a.gz b.gz` and
/// many log rotators produce) and plain zlib streams.
///
/// A class because zlib keeps a pointer to its stream: the stream must not move.
final class GzipInflater {
    private let stream: UnsafeMutablePointer<z_stream>
    private let output: UnsafeMutablePointer<UInt8>
    private let outputCapacity: Int
    /// True between members: the last member ended and no byte of a next one was seen.
    private(set) var atMemberBoundary = true

    struct Failure: Error {
        var message: String
    }

    init(outputCapacity: Int = 1 << 18) throws(Failure) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        self.outputCapacity = outputCapacity
        output = .allocate(capacity: outputCapacity)
        // windowBits 15 + 32: the largest window, and detect a gzip or zlib header.
        let status = inflateInit2_(stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            output.deallocate()
            stream.deallocate()
            throw Failure(message: "zlib could not start (status \(status))")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
        output.deallocate()
    }

    /// Whether zlib may still hold output for the input given so far (its last call filled the buffer).
    private var mayHoldOutput = false

    /// Input not yet handed to zlib, which takes at most 4 GiB at a time.
    private var remaining: UnsafePointer<UInt8>?
    private var remainingCount = 0

    /// Hands zlib the next compressed bytes; they must stay valid until `next()` returns nil.
    func feed(_ input: UnsafeRawBufferPointer) {
        guard let base = input.baseAddress, input.count > 0 else { return }
        remaining = base.assumingMemoryBound(to: UInt8.self)
        remainingCount = input.count
        refill()
    }

    private func refill() {
        guard stream.pointee.avail_in == 0, remainingCount > 0, let start = remaining else { return }
        let count = min(remainingCount, Int(UInt32.max))
        stream.pointee.next_in = UnsafeMutablePointer(mutating: start)
        stream.pointee.avail_in = uInt(count)
        remaining = start + count
        remainingCount -= count
    }

    /// The next run of plain bytes from the input fed so far (valid until the next call), or nil
    /// when that input is used up.
    func next() throws(Failure) -> UnsafeRawBufferPointer? {
        while true {
            refill()
            if stream.pointee.avail_in == 0 && !mayHoldOutput { return nil }
            if atMemberBoundary {
                // Another member follows the one that ended (or the first one starts).
                guard stream.pointee.avail_in > 0 else { return nil }
                guard inflateReset(stream) == Z_OK else { throw Failure(message: "zlib could not restart") }
                atMemberBoundary = false
            }
            stream.pointee.next_out = output
            stream.pointee.avail_out = uInt(outputCapacity)
            let status = CZlib.inflate(stream, Z_NO_FLUSH)
            let produced = outputCapacity - Int(stream.pointee.avail_out)
            let plain = UnsafeRawBufferPointer(start: output, count: produced)
            switch status {
            case Z_OK:
                mayHoldOutput = stream.pointee.avail_out == 0
            case Z_STREAM_END:
                atMemberBoundary = true
                mayHoldOutput = false
            case Z_BUF_ERROR:
                // No progress possible without more input.
                mayHoldOutput = false
                if produced == 0 { return nil }
            case Z_NEED_DICT, Z_DATA_ERROR:
                let detail = stream.pointee.msg.map { String(cString: $0) } ?? "invalid data"
                throw Failure(message: "corrupt gzip data (\(detail))")
            case Z_MEM_ERROR:
                throw Failure(message: "out of memory while decompressing")
            default:
                throw Failure(message: "gzip decompression failed (zlib status \(status))")
            }
            if produced > 0 { return plain }
        }
    }
}

/// Whole-body gzip decompression with a size limit, for HTTP request bodies (`Content-Encoding: gzip`).
public enum Gzip {
    /// Why a body could not be decompressed.
    public enum Failure: Error, Hashable, Sendable, CustomStringConvertible {
        /// The plain bytes would exceed the limit (a decompression bomb is refused before it is inflated).
        case tooLarge(limit: Int)
        /// Corrupt or truncated gzip data.
        case corrupt(String)

        public var description: String {
            switch self {
            case .tooLarge(let limit): "the decompressed body exceeds \(limit) bytes"
            case .corrupt(let message): message
            }
        }
    }

    /// The plain bytes of a gzip (or zlib) body, at most `limit` of them.
    public static func decompress(_ bytes: [UInt8], limit: Int) throws(Failure) -> [UInt8] {
        let inflater: GzipInflater
        do {
            inflater = try GzipInflater(outputCapacity: 1 << 16)
        } catch {
            throw .corrupt(error.message)
        }
        var plain = [UInt8]()
        plain.reserveCapacity(min(limit, bytes.count * 4))
        let outcome: Failure? = bytes.withUnsafeBytes { input in
            inflater.feed(input)
            do {
                while let run = try inflater.next() {
                    guard plain.count + run.count <= limit else { return .tooLarge(limit: limit) }
                    plain.append(contentsOf: run)
                }
            } catch {
                return .corrupt((error as? GzipInflater.Failure)?.message ?? "\(error)")
            }
            return nil
        }
        if let outcome { throw outcome }
        guard inflater.atMemberBoundary else { throw .corrupt("truncated gzip data (the stream ends inside a member)") }
        return plain
    }
}
