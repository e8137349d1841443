module github.com/hmacgate/hmacgate

go 1.26
