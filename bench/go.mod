module github.com/hmacgate/hmacgate/bench

go 1.26.0

require (
	github.com/hmacgate/hmacgate v0.0.0
	github.com/standard-webhooks/standard-webhooks/libraries v0.0.1
	github.com/stripe/stripe-go/v85 v85.0.0
	github.com/svix/svix-webhooks v1.98.0
)

require github.com/google/uuid v1.6.0 // indirect

replace github.com/hmacgate/hmacgate => ../
