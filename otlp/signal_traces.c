/* otlp/signal_traces.c: the traces signal (see signal.h). */
#include "otlp/signal.h"

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

const struct otlp_signal_desc otlp_signal_traces = {
	.signal = OTLP_SIGNAL_TRACES,
	.name = "traces",
	.http_path = "/v1/traces",
	.grpc_service = "opentelemetry.proto.collector.trace.v1.TraceService",
	.grpc_method = "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
	.item_metric = "spans",
	.item_text = "spans",
	.request_name = "ExportTraceServiceRequest",
	.resource_name = "ResourceSpans",
	.resources_json = "resourceSpans",
	.rejected_json = "rejectedSpans",
	.validate_request = otlp_wire_validate_request,
	.validate_resource = otlp_wire_validate_resource_spans,
	.count_items = otlp_wire_count_spans,
	.request_desc = &opentelemetry__proto__collector__trace__v1__export_trace_service_request__descriptor,
	.response_desc =
		&opentelemetry__proto__collector__trace__v1__export_trace_service_response__descriptor,
	.resource_desc = &opentelemetry__proto__trace__v1__resource_spans__descriptor,
};
