#!/usr/bin/env bash
# Regenerates Sources/SwiftProtobufCompare/Generated/ (committed; run only to change versions).
#
# The .proto schema comes from the PyPI package opentelemetry-proto (its compiled _pb2 modules carry the
# serialized file descriptors), fed to protoc with swift-protobuf's plugin.
#
# usage: generate.sh PYTHON PROTOC_GEN_SWIFT
#   PYTHON            a Python with opentelemetry-proto (the repository's .venv/bin/python)
#   PROTOC_GEN_SWIFT  protoc-gen-swift built from swift-protobuf 1.39.0 (`swift build --product protoc-gen-swift`)
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=$1
PLUGIN=$2
SET=$(mktemp)
"$PYTHON" - "$SET" <<'PY'
import sys
from google.protobuf import descriptor_pb2
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
files, seen = descriptor_pb2.FileDescriptorSet(), set()
def add(fd):
    if fd.name in seen: return
    seen.add(fd.name)
    for dep in fd.dependencies: add(dep)
    proto = descriptor_pb2.FileDescriptorProto()
    fd.CopyToProto(proto)
    files.file.append(proto)
for module in (trace_service_pb2, logs_service_pb2, metrics_service_pb2):
    add(module.DESCRIPTOR)
open(sys.argv[1], "wb").write(files.SerializeToString())
print("\n".join(sorted(seen)))
PY
OUT=Sources/SwiftProtobufCompare/Generated
rm -f "$OUT"/*.pb.swift
# Messages only (no gRPC service stubs); internal visibility, one file per .proto.
protoc --descriptor_set_in="$SET" --plugin=protoc-gen-swift="$PLUGIN" --swift_out="$OUT" --swift_opt=Visibility=Internal \
    opentelemetry/proto/common/v1/common.proto opentelemetry/proto/resource/v1/resource.proto \
    opentelemetry/proto/trace/v1/trace.proto opentelemetry/proto/logs/v1/logs.proto opentelemetry/proto/metrics/v1/metrics.proto \
    opentelemetry/proto/collector/trace/v1/trace_service.proto opentelemetry/proto/collector/logs/v1/logs_service.proto \
    opentelemetry/proto/collector/metrics/v1/metrics_service.proto
# protoc mirrors the package folders; SwiftPM does not mind, but flat is easier to read.
find "$OUT" -name '*.pb.swift' -path "$OUT/*/*" -exec sh -c 'mv "$1" "'"$OUT"'/$(echo "${1#'"$OUT"'/}" | tr / _)"' _ {} \;
find "$OUT" -mindepth 1 -type d -empty -delete
rm -f "$SET"
ls "$OUT"
