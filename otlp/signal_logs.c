/* otlp/signal_logs.c: the logs signal (see signal.h). */
#include "otlp/signal.h"
#include "otlp/wire_logs.h"

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"

const struct otlp_signal_desc otlp_signal_logs = {
	.signal = OTLP_SIGNAL_LOGS,
	.name = "logs",
	.http_path = "/v1/logs",
	.grpc_service = "opentelemetry.proto.collector.logs.v1.LogsService",
	.grpc_method = "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
	.item_metric = "log_records",
	.item_text = "log records",
	.request_name = "ExportLogsServiceRequest",
	.resource_name = "ResourceLogs",
	.resources_json = "resourceLogs",
	.rejected_json = "rejectedLogRecords",
	.validate_request = otlp_wire_validate_logs_request,
	.validate_resource = otlp_wire_validate_resource_logs,
	.count_items = otlp_wire_count_log_records,
	.request_desc = &opentelemetry__proto__collector__logs__v1__export_logs_service_request__descriptor,
	.response_desc = &opentelemetry__proto__collector__logs__v1__export_logs_service_response__descriptor,
	.resource_desc = &opentelemetry__proto__logs__v1__resource_logs__descriptor,
};
