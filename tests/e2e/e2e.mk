# End-to-end suite with the real Temporal TypeScript SDK worker, included by
# the top-level Makefile.  See tests/e2e/README.md.
#
#   make e2e-deps    npm ci in tests/e2e (only when node_modules is missing
#                    or older than package.json / package-lock.json)
#   make test-e2e    the suite against $(B)/tenuo-sidecar (needs Node >= 20.3)

E2E_DIR   := tests/e2e
E2E_STAMP := $(E2E_DIR)/node_modules/.e2e-installed
E2E_NODE  ?= node
E2E_NPM   ?= npm
# The whole run is bounded; the suite itself takes about 10 s.
E2E_TIMEOUT ?= 300

.PHONY: e2e-deps test-e2e e2e-check-node

e2e-check-node:
	@command -v $(E2E_NODE) >/dev/null 2>&1 && command -v $(E2E_NPM) >/dev/null 2>&1 || \
	    { echo "test-e2e: node and npm are needed (Node.js >= 20.3, with its npm)"; exit 1; }
	@$(E2E_NODE) $(E2E_DIR)/check-node.js

$(E2E_STAMP): $(E2E_DIR)/package.json $(E2E_DIR)/package-lock.json
	@$(MAKE) --no-print-directory e2e-check-node
	cd $(E2E_DIR) && $(E2E_NPM) ci --no-audit --no-fund
	@touch $@

e2e-deps: $(E2E_STAMP)

test-e2e: $(B)/tenuo-sidecar $(TENUOCTL) $(E2E_STAMP)
	@cd $(E2E_DIR) && SIDECAR=$(CURDIR)/$(B)/tenuo-sidecar \
	    timeout $(E2E_TIMEOUT) $(E2E_NODE) --test --test-concurrency=1 \
	    --test-reporter=./reporter.js test/

TEST_RUNS += test-e2e
