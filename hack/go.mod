module github.com/wharfhq/wharf/hack

go 1.26.8
