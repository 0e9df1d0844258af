#include "gateway/server/gateway_server.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <atomic>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "gateway/audit/audit_log.h"
#include "gateway/validation/study_definitions.h"
#include "gateway/identity/enrollment_registry.h"
#include "gateway/identity/pseudonymization_key.h"
#include "gateway/identity/pseudonymizer.h"
#include "gateway/http/fhir_facade.h"
#include "gateway/http/http_listener.h"
#include "gateway/http/operational_endpoints.h"
#include "gateway/http/study_dashboard.h"
#include "gateway/metrics/gateway_metrics.h"
#include "gateway/mllp/hl7_receiver.h"
#include "gateway/mllp/mllp_listener.h"
#include "gateway/security/tls_server_context.h"
#include "gateway/pipeline/pipeline.h"
#include "gateway/schedule/deviation_recorder.h"
#include "gateway/delivery/forwarder.h"
#include "gateway/server/audit_interceptor.h"
#include "gateway/server/audit_service.h"
#include "gateway/security/call_authenticator.h"
#include "gateway/security/server_tls.h"
#include "gateway/security/stream_slots.h"
#include "gateway/server/delivery_service.h"
#include "gateway/server/feed_service.h"
#include "gateway/server/gateway_service.h"
#include "gateway/server/store_opener.h"
#include "gateway/server/study_service.h"
#include "gateway/validation/profile_set.h"
#include "gateway/validation/validator.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "spdlog/spdlog.h"

namespace trialgate::server {
namespace {

class GatewayServerImpl final : public GatewayServer {
 public:
  explicit GatewayServerImpl(const Clock& clock) : clock_(clock) {}
  ~GatewayServerImpl() override { Shutdown(); }

  absl::Status Init(const config::Config& config) {
    std::error_code error;
    std::filesystem::create_directories(config.data_dir, error);
    if (error) {
      return absl::UnavailableError(
          absl::StrCat("cannot create data directory ", config.data_dir, ": ", error.message()));
    }
    absl::StatusOr<std::unique_ptr<audit::AuditLog>> audit_log =
        audit::AuditLog::Open(config::AuditLogPath(config));
    if (!audit_log.ok()) return audit_log.status();
    audit_log_ = *std::move(audit_log);
    absl::StatusOr<std::shared_ptr<const mappers::Study>> study = config::LoadStudy(config);
    if (!study.ok()) return study.status();
    if (absl::Status location = CheckStoreLocation(config); !location.ok()) return location;
    absl::StatusOr<identity::PseudonymizationKeys> keys = identity::LoadPseudonymizationKeys(
        {config.pseudonymization_key_hex, config.pseudonymization_key_file,
         config.pseudonymization_previous_key_file, UsesPostgres(config)},
        config.data_dir);
    if (!keys.ok()) return keys.status();
    development_key_ = keys->generated;

    auto store = OpenConfiguredStore(config, delivery::OutboxRoutes(config.destinations), &clock_,
                                     &metrics_);
    if (!store.ok()) return store.status();
    store_ = *std::move(store);
    std::vector<std::string> destinations;
    for (const config::DestinationConfig& d : config.destinations) destinations.push_back(d.name);
    metrics_.SetOutbox(store_.get(), std::move(destinations));
    if (absl::Status enrolled = registry_.FollowStore(store_.get()); !enrolled.ok()) {
      return enrolled;
    }

    absl::StatusOr<validation::StudyValidator> validation =
        validation::LoadStudyValidator(**study, config.require_study_profiles);
    if (!validation.ok()) return validation.status();
    definitions_ = std::move(validation->definitions);
    validator_ = std::move(validation->validator);

    if (absl::Status status = StartSchedule(config, *study); !status.ok()) {
      return status;
    }
    pipeline_ = std::make_unique<pipeline::Pipeline>(
        *study, pipeline::PipelineOptions{config.limits, config.site_by_system, &clock_, &metrics_},
        *validator_, identity::Pseudonymizer(keys->key, keys->previous_key), &registry_,
        store_.get(), recorder_.get());
    if (absl::Status status = StartDelivery(config); !status.ok()) return status;
    absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
        Credentials(config, audit_log_.get(), clock_);
    if (!credentials.ok()) return credentials.status();
    stream_slots_ =
        std::make_unique<security::StreamSlots>(config.call_limits.max_streams_per_caller);
    gateway_service_ = std::make_unique<GatewayService>(pipeline_.get(), stream_slots_.get());
    feed_service_ = std::make_unique<FeedService>(store_.get(), stream_slots_.get());
    if (timelines_ != nullptr) {
      study_reports_ = std::make_unique<study_report::StudyReports>(timelines_.get(),
                                                                    study->get(), store_.get());
    }
    study_service_ =
        std::make_unique<StudyService>(timelines_.get(), &registry_, study_reports_.get());

    grpc::EnableDefaultHealthCheckService(true);
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
    grpc::ServerBuilder builder;
    builder.AddListeningPort(config.listen, *credentials, &port_);
    // gRPC sets SO_REUSEPORT by default: a second gateway on a taken port would start and take
    // a share of the calls (into another data directory) instead of failing.
    builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
    // Room above the body limit so that an oversized body reaches the pipeline and gets a FHIR
    // OperationOutcome rather than gRPC's bare "message too large".
    const size_t max_message = std::min<size_t>(2 * config.limits.max_body_bytes + (1 << 20),
                                                std::numeric_limits<int>::max());
    builder.SetMaxReceiveMessageSize(static_cast<int>(max_message));
    builder.RegisterService(gateway_service_.get());
    builder.RegisterService(feed_service_.get());
    builder.RegisterService(study_service_.get());
    builder.RegisterService(delivery_service_.get());
    audit_service_ = std::make_unique<AuditService>(audit_log_.get());
    builder.RegisterService(audit_service_.get());
    builder.experimental().SetInterceptorCreators(
        AuditInterceptorCreators(audit_log_.get(), clock_));
    server_ = builder.BuildAndStart();
    if (server_ == nullptr || port_ == 0) {
      return absl::UnavailableError(absl::StrCat("cannot listen on ", config.listen,
                                                 " (address in use or invalid?)"));
    }
    server_->GetHealthCheckService()->SetServingStatus(true);
    const size_t colon = config.listen.rfind(':');
    address_ = absl::StrCat(config.listen.substr(0, colon), ":", port_);
    if (absl::Status status = StartMllp(config); !status.ok()) return status;
    return StartHttp(config, **study);
  }

  int port() const override { return port_; }
  std::string address() const override { return address_; }
  std::string mllp_address() const override {
    return mllp_listener_ == nullptr ? "" : mllp_listener_->address();
  }
  std::string http_address() const override {
    return http_listener_ == nullptr ? "" : http_listener_->address();
  }
  std::vector<std::string> NotReadyReasons() const override {
    std::vector<std::string> reasons;
    if (absl::Status health = store_ == nullptr ? absl::UnavailableError("closed")
                                                : store_->Health();
        !health.ok()) {
      reasons.push_back(absl::StrCat("store not writable: ", health.message()));
    }
    if (forwarder_ != nullptr) {
      for (const auto& worker : forwarder_->workers()) {
        if (worker->state().stopped_by_store_failure) {
          reasons.push_back(absl::StrCat("delivery worker of ", worker->destination().name,
                                         " stopped by a store failure"));
        }
      }
    }
    // The schedule needs no check: a study's schedule that does not load stops the start.
    if (shut_down_) reasons.push_back("shutting down");
    return reasons;
  }
  bool using_development_key() const override { return development_key_; }
  std::vector<std::string> definition_warnings() const override {
    return definitions_->profile_warnings();
  }
  std::vector<std::string> delivery_warnings() const override { return delivery_warnings_; }
  std::string MetricsText() const override { return metrics_.Text(); }

  void Shutdown() override {
    std::lock_guard<std::mutex> lock(shutdown_mu_);
    if (shut_down_) return;
    shut_down_ = true;
    // Messages and requests being handled are answered (their commits still have a store),
    // then no more.
    if (http_listener_ != nullptr) http_listener_->Shutdown();
    if (mllp_listener_ != nullptr) mllp_listener_->Shutdown();
    if (server_ != nullptr) {
      server_->GetHealthCheckService()->SetServingStatus(false);
      feed_service_->StopFollowing();
      server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
      server_->Wait();
    }
    // Every call has ended, so no commit can be requested any more: stop deriving deviations
    // (the recorder stays, inert, for callbacks still draining), then close the store (it
    // drains what is queued) before the pipeline that feeds it goes away.
    if (recorder_ != nullptr) recorder_->Stop();
    if (forwarder_ != nullptr) forwarder_->Stop();
    metrics_.SetOutbox(nullptr, {});  // scrapes stop reading the store before it closes
    store_.reset();
    if (audit_log_ != nullptr) audit_log_->Close();  // every call's record is written by now
  }

  void Wait() override {
    if (server_ != nullptr) server_->Wait();
  }

  void WaitForScheduleIdle() override {
    if (recorder_ != nullptr) recorder_->WaitIdle();
  }

 private:
  // Mutual TLS with the authenticator that maps client certificates to identities and enforces
  // the access policy and request rates; plaintext only when asked for (serve --insecure).
  static absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> Credentials(
      const config::Config& config, audit::AuditLog* audit_log, const Clock& clock) {
    if (config.insecure) return grpc::InsecureServerCredentials();
    if (!config.tls.configured()) {
      return absl::FailedPreconditionError(
          "no TLS configured: set \"tls\" (certFile, keyFile, clientCaFile) and \"identities\" "
          "in the config (deploy/dev-ca.sh makes a development CA), or pass --insecure to listen "
          "in plaintext for local development");
    }
    if (config.identities.empty()) {
      return absl::FailedPreconditionError(
          "\"tls\" is configured but no \"identities\": no client could call the gateway");
    }
    absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
        security::MutualTlsCredentials(config.tls);
    if (!credentials.ok()) return credentials.status();
    (*credentials)->SetAuthMetadataProcessor(std::make_shared<security::CallAuthenticator>(
        config.identities, config.call_limits.requests_per_second,
        config.call_limits.request_burst,
        [audit_log, clock = &clock](const security::RefusedCall& call) {
          // Over-rate refusals can come thousands a second: not worth a warning each.
          spdlog::log(call.status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED
                          ? spdlog::level::debug
                          : spdlog::level::warn,
                      "refused {} for {}: {}", call.method, call.identity,
                      call.status.error_message());
          // Runs on gRPC's transport thread: queued, not waited for (see README "Audit log").
          audit_log->AppendAsync(RefusedCallRecord(call, clock->Now()),
                                 [](const absl::Status&) {});
        }));
    return credentials;
  }

  // A delivery worker per configured destination, and the operators' Delivery service. Outbox
  // rows of a destination no longer configured are kept (and reported), never delivered.
  absl::Status StartDelivery(const config::Config& config) {
    if (!config.destinations.empty()) {
      auto forwarder = delivery::Forwarder::Start(config.destinations, store_.get(), store_.get(),
                                                  /*publishers=*/{}, clock_);
      if (!forwarder.ok()) return forwarder.status();
      forwarder_ = *std::move(forwarder);
    }
    delivery_service_ = std::make_unique<DeliveryService>(config.destinations, store_.get(),
                                                          forwarder_.get(), clock_);
    auto progress = store_->Progress({});
    if (!progress.ok()) return progress.status();
    for (const store::DestinationProgress& entry : *progress) {
      const bool configured =
          std::any_of(config.destinations.begin(), config.destinations.end(),
                      [&](const config::DestinationConfig& d) { return d.name == entry.destination; });
      if (!configured && entry.pending_events > 0) {
        delivery_warnings_.push_back(absl::StrCat(
            "destination '", entry.destination, "' is no longer configured; its outbox keeps ",
            entry.pending_events, " undelivered events until it is configured again"));
      }
    }
    return absl::OkStatus();
  }

  // The HL7 v2 channel: an MLLP listener with the same TLS and identities as gRPC, feeding the
  // same pipeline.
  absl::Status StartMllp(const config::Config& config) {
    if (!config.mllp.enabled()) return absl::OkStatus();
    mllp::Hl7ReceiverOptions receiver;
    receiver.senders = config.mllp.senders;
    receiver.site_by_system = config.site_by_system;
    for (const auto& [site, name] : config.time_zone_by_site) {
      absl::LoadTimeZone(name, &receiver.zone_by_site[site]);  // checked when the config was read
    }
    receiver.clock = &clock_;
    receiver.audit_log = audit_log_.get();
    hl7_receiver_ = std::make_unique<mllp::Hl7Receiver>(*pipeline_, std::move(receiver));
    mllp::MllpListenerOptions options;
    options.listen = config.mllp.listen;
    options.max_message_bytes = config.mllp.max_message_bytes;
    options.idle_timeout = absl::Seconds(config.mllp.idle_timeout_seconds);
    options.keepalive = absl::Seconds(config.mllp.keepalive_seconds);
    options.max_connections = config.mllp.max_connections;
    if (!config.insecure) {  // Credentials() has checked tls and identities
      absl::StatusOr<security::SslCtxPtr> tls = security::MakeServerContext(config.tls);
      if (!tls.ok()) return tls.status();
      mllp_tls_ = *std::move(tls);
      options.tls = mllp_tls_.get();
      options.identities = config.identities;
    }
    absl::StatusOr<std::unique_ptr<mllp::MllpListener>> listener =
        mllp::MllpListener::Start(std::move(options), hl7_receiver_.get());
    if (!listener.ok()) return listener.status();
    mllp_listener_ = *std::move(listener);
    return absl::OkStatus();
  }

  // The FHIR REST facade and the operational endpoints on one HTTP listener, with the same TLS,
  // identities and access policy as gRPC, feeding the same pipeline.
  absl::Status StartHttp(const config::Config& config, const mappers::Study& study) {
    if (!config.http.enabled()) return absl::OkStatus();
    http_callers_ = std::make_unique<http::RequestCallers>(
        config.identities, !config.insecure, config.call_limits.requests_per_second,
        config.call_limits.request_burst);
    http::FhirFacadeOptions facade;
    facade.limits = config.limits;
    facade.tls = !config.insecure;
    facade.clock = &clock_;
    facade.audit_log = audit_log_.get();
    http::Capabilities& capabilities = facade.capabilities;
    capabilities.writable_types = pipeline::TakenResourceTypes();
    capabilities.profile_for_type = study.profile_for_type();
    capabilities.mutual_tls = !config.insecure;
    capabilities.max_body_bytes = config.limits.max_body_bytes;
    capabilities.max_bundle_entries = config.limits.max_bundle_entries;
    capabilities.started = clock_.Now();
    fhir_facade_ = std::make_unique<http::FhirFacade>(*pipeline_, *http_callers_,
                                                      std::move(facade));
    http::HttpListenerOptions options;
    options.listen = config.http.listen;
    options.tls = config.insecure ? nullptr : &config.tls;
    options.max_body_bytes = config.limits.max_body_bytes;
    options.read_timeout_seconds = config.http.read_timeout_seconds;
    options.keep_alive_timeout_seconds = config.http.keep_alive_timeout_seconds;
    options.keep_alive_max_requests = config.http.keep_alive_max_requests;
    options.workers = config.http.workers;
    options.max_queued_connections = config.http.max_queued_connections;
    absl::StatusOr<std::unique_ptr<http::HttpListener>> listener =
        http::HttpListener::Start(options, [this](httplib::Server& server) {
          fhir_facade_->Install(server);
          http::InstallOperationalEndpoints(
              server, *http_callers_,
              {[this] { return NotReadyReasons(); }, [this] { return MetricsText(); }});
          http::InstallStudyDashboard(server, *http_callers_, DashboardSources());
        });
    if (!listener.ok()) return listener.status();
    http_listener_ = *std::move(listener);
    return absl::OkStatus();
  }

  // What the dashboard shows: the study report and timelines, as Study serves them.
  http::DashboardSources DashboardSources() {
    http::DashboardSources sources;
    sources.report = [this](std::optional<absl::CivilDay> cutoff,
                            const std::optional<std::string>& site)
        -> absl::StatusOr<std::shared_ptr<const v1::EndpointsReport>> {
      if (study_reports_ == nullptr) {
        return absl::FailedPreconditionError(
            "the study has no schedule.json: there are no timelines to compute endpoints from");
      }
      return study_reports_->Get(cutoff, site);
    };
    sources.timeline = [this](const std::string& subject_id) -> absl::StatusOr<v1::Timeline> {
      if (timelines_ == nullptr) return absl::NotFoundError("the study has no schedule.json");
      return timelines_->Compute(subject_id);
    };
    sources.site_of = [this](const std::string& subject_id) {
      return registry_.SiteOf(subject_id);
    };
    return sources;
  }

  // The schedule engine, when the study has a schedule.json: a malformed one stops the start.
  absl::Status StartSchedule(const config::Config& config,
                             const std::shared_ptr<const mappers::Study>& study) {
    if (study->schedule_json().empty()) return absl::OkStatus();
    absl::StatusOr<schedule::Schedule> parsed =
        schedule::Schedule::Parse(study->schedule_json(), *study);
    if (!parsed.ok()) return parsed.status();
    std::map<std::string, absl::TimeZone> zones;
    for (const auto& [site, name] : config.time_zone_by_site) {
      if (!absl::LoadTimeZone(name, &zones[site])) {
        return absl::InvalidArgumentError(absl::StrCat("unknown time zone ", name, " of site ", site));
      }
    }
    schedule::TimelineCacheLimits cache;
    cache.events = static_cast<size_t>(config.timeline_cache_events);
    timelines_ = std::make_unique<schedule::SubjectTimelines>(
        store_.get(), std::make_shared<const schedule::Schedule>(*std::move(parsed)),
        std::move(zones), clock_, std::make_shared<const schedule::ClinicalRules>(study), cache);
    if (config.record_deviations) {
      recorder_ = std::make_unique<schedule::DeviationRecorder>(
          timelines_.get(), store_.get(), std::chrono::seconds(config.deviation_sweep_seconds),
          std::chrono::milliseconds(config.deviation_delay_ms), &metrics_);
    }
    return absl::OkStatus();
  }

  const Clock& clock_;  // the server's one wall clock; outlives it
  metrics::GatewayMetrics metrics_{clock_};  // outlives everything that counts into it
  int port_ = 0;
  std::string address_;
  bool development_key_ = false;
  std::unique_ptr<audit::AuditLog> audit_log_;  // outlives the server: its calls append to it
  identity::EnrollmentRegistry registry_;
  std::unique_ptr<store::GatewayStore> store_;
  std::unique_ptr<validation::ProfileSet> definitions_;  // the R4 StructureDefinitions, compiled
  std::unique_ptr<validation::Validator> validator_;
  std::unique_ptr<pipeline::Pipeline> pipeline_;
  std::unique_ptr<security::StreamSlots> stream_slots_;  // outlives the services using it
  std::unique_ptr<GatewayService> gateway_service_;
  std::unique_ptr<FeedService> feed_service_;
  std::unique_ptr<schedule::SubjectTimelines> timelines_;
  std::unique_ptr<schedule::DeviationRecorder> recorder_;
  std::unique_ptr<study_report::StudyReports> study_reports_;  // null without a schedule
  std::unique_ptr<StudyService> study_service_;
  std::unique_ptr<delivery::Forwarder> forwarder_;
  std::unique_ptr<DeliveryService> delivery_service_;
  std::vector<std::string> delivery_warnings_;
  std::unique_ptr<AuditService> audit_service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<mllp::Hl7Receiver> hl7_receiver_;
  security::SslCtxPtr mllp_tls_;
  std::unique_ptr<mllp::MllpListener> mllp_listener_;  // stops before what it calls
  std::unique_ptr<http::RequestCallers> http_callers_;
  std::unique_ptr<http::FhirFacade> fhir_facade_;
  std::unique_ptr<http::HttpListener> http_listener_;  // stops before what it calls
  std::mutex shutdown_mu_;
  std::atomic<bool> shut_down_{false};  // written under shutdown_mu_; read by /readyz
};

}  // namespace

absl::StatusOr<std::unique_ptr<GatewayServer>> GatewayServer::Start(
    const config::Config& config, const Clock& clock) {
  auto server = std::make_unique<GatewayServerImpl>(clock);
  if (absl::Status status = server->Init(config); !status.ok()) return status;
  return server;
}

}  // namespace trialgate::server
