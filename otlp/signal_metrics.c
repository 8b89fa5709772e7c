/* otlp/signal_metrics.c: the metrics signal (see signal.h). Its items are
 * data points, over all five metric types, as the Collector counts them. */
#include "otlp/signal.h"
#include "otlp/wire_metrics.h"

#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"

const struct otlp_signal_desc otlp_signal_metrics = {
	.signal = OTLP_SIGNAL_METRICS,
	.name = "metrics",
	.http_path = "/v1/metrics",
	.grpc_service = "opentelemetry.proto.collector.metrics.v1.MetricsService",
	.grpc_method = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
	.item_metric = "metric_points",
	.item_text = "data points",
	.request_name = "ExportMetricsServiceRequest",
	.resource_name = "ResourceMetrics",
	.resources_json = "resourceMetrics",
	.rejected_json = "rejectedDataPoints",
	.validate_request = otlp_wire_validate_metrics_request,
	.validate_resource = otlp_wire_validate_resource_metrics,
	.count_items = otlp_wire_count_data_points,
	.request_desc =
		&opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__descriptor,
	.response_desc =
		&opentelemetry__proto__collector__metrics__v1__export_metrics_service_response__descriptor,
	.resource_desc = &opentelemetry__proto__metrics__v1__resource_metrics__descriptor,
};
