#include "k8s/kube_http.h"

#include <algorithm>
#include <memory>

#include <curl/curl.h>
#include <fmt/format.h>

namespace labgate::k8s {
namespace {

size_t append(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// A blob libcurl copies (CURL_BLOB_COPY), so the strings need not outlive the call.
void set_blob(CURL* curl, CURLoption option, const std::string& data) {
  curl_blob blob{const_cast<char*>(data.data()), data.size(), CURL_BLOB_COPY};
  curl_easy_setopt(curl, option, &blob);
}

constexpr long kConnectMs = 3000;  // TCP connect and TLS handshake
constexpr long kRequestMs = 10000;

}  // namespace

KubeHttp::KubeHttp(Kubeconfig config, std::string base_url,
                   std::optional<std::chrono::milliseconds> budget)
    : config_(std::move(config)), base_url_(std::move(base_url)) {
  if (budget) {
    deadline_ = std::chrono::steady_clock::now() + *budget;
    budget_ = *budget;
  }
  if (base_url_.empty()) base_url_ = config_.server;
  while (base_url_.ends_with("/")) base_url_.pop_back();
  curl_global_init(CURL_GLOBAL_DEFAULT);  // reference-counted; idempotent
}

Result<std::string> KubeHttp::get(const std::string& path) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return Result<std::string>::failure("curl_easy_init failed");
  CURL* c = curl.get();
  std::string url = base_url_ + path;
  if (!timed_out_.empty())
    return Result<std::string>::failure(
        fmt::format("GET {}: not tried, an earlier request timed out ({})", url, timed_out_));
  long limit_ms = kRequestMs;
  if (deadline_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        *deadline_ - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return Result<std::string>::failure(
          fmt::format("GET {}: not tried, the {} ms budget for these requests timed out", url,
                      budget_.count()));
    limit_ms = std::min<long>(limit_ms, static_cast<long>(left.count()));
  }
  std::string body;
  char error[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, std::min(kConnectMs, limit_ms));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, limit_ms);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, append);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(64) << 20);
  if (!config_.ca_pem.empty()) set_blob(c, CURLOPT_CAINFO_BLOB, config_.ca_pem);
  if (config_.insecure_skip_tls_verify) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!config_.client_cert_pem.empty()) {
    set_blob(c, CURLOPT_SSLCERT_BLOB, config_.client_cert_pem);
    set_blob(c, CURLOPT_SSLKEY_BLOB, config_.client_key_pem);
    curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
    curl_easy_setopt(c, CURLOPT_SSLKEYTYPE, "PEM");
  }
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(nullptr, curl_slist_free_all);
  headers.reset(curl_slist_append(headers.release(), "Accept: application/json"));
  if (!config_.token.empty())
    headers.reset(
        curl_slist_append(headers.release(), ("Authorization: Bearer " + config_.token).c_str()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    std::string reason = error[0] ? error : curl_easy_strerror(rc);
    if (rc == CURLE_OPERATION_TIMEDOUT) timed_out_ = reason;
    return Result<std::string>::failure(fmt::format("GET {}: {}", url, reason));
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (status != 200)
    return Result<std::string>::failure(fmt::format("GET {}: HTTP {}", url, status));
  return body;
}

}  // namespace labgate::k8s
