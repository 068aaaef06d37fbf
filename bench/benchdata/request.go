package benchdata

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
)

// browserHeaders are what Chrome 131 on macOS sends with a fetch() submit
// from the registration page; all of them are on Kratos's allow-list except
// Cookie and Cache-Control.
var browserHeaders = [][2]string{
	{"Accept", "application/json"},
	{"Accept-Encoding", "gzip, deflate, br, zstd"},
	{"Accept-Language", "de-DE,de;q=0.9,en-US;q=0.8,en;q=0.7"},
	{"Cache-Control", "no-cache"},
	{"Content-Type", "application/json"},
	{"Origin", "https://accounts.example.com"},
	{"Priority", "u=1, i"},
	{"Referer", "https://accounts.example.com/ui/registration?flow=a3884c78-d5a1-476b-910e-920fe3b0b310&return_to=https%3A%2F%2Fshop.example.com%2Fcheckout%3Fcart%3D8f2c1d"},
	{"Sec-Ch-Ua", `"Google Chrome";v="131", "Chromium";v="131", "Not_A Brand";v="24"`},
	{"Sec-Ch-Ua-Mobile", "?0"},
	{"Sec-Ch-Ua-Platform", `"macOS"`},
	{"Sec-Fetch-Dest", "empty"},
	{"Sec-Fetch-Mode", "cors"},
	{"Sec-Fetch-Site", "same-origin"},
	{"User-Agent", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"},
}

// siteCookies are the non-Kratos cookies a production site typically
// carries: consent, analytics, support chat and A/B testing.
var siteCookies = []string{
	"cookie_consent=%7B%22necessary%22%3Atrue%2C%22analytics%22%3Atrue%2C%22marketing%22%3Afalse%2C%22version%22%3A3%2C%22ts%22%3A1732700000%7D",
	"_ga=GA1.1.1493829517.1732700001",
	"_ga_7XK2M9Q4ZP=GS1.1.1732700001.3.1.1732700120.0.0.0",
	"_gcl_au=1.1.2047185214.1732700001",
	"ajs_anonymous_id=5b9d1f0e-3c7a-4f7e-9a4b-2d8c6e1f0a37",
	"intercom-id-qx1mz2b9=0f8e7d6c-5b4a-4938-8271-6a5b4c3d2e1f",
	"intercom-device-id-qx1mz2b9=9a8b7c6d-5e4f-4031-9f2e-1d0c9b8a7f6e",
	"intercom-session-qx1mz2b9=bWZ0cVJZSXJ4Q2t6d0N4UnlPQW5tV2ZhS2R0bmZ0Y1hCTWl3eE1yNk1iUjJ1d1N5dWZzR1lhV3J4TWg5MmRHTi0tT3Bvd3JmR0d2Zz09--3c2f0b1d9e8a7f6e5d4c3b2a19087f6e5d4c3b2a",
	"optimizelyEndUserId=oeu1732700001234r0.4829173650192837",
	"ab_checkout=variant_b",
	"locale=de-DE",
	"theme=dark",
}

// Request returns a fresh submit request as the browser sent it. Every call
// builds a new one, because the gateway may replace a request's body.
func (r *Registration) Request() *http.Request {
	req, err := http.NewRequest(http.MethodPost, r.RequestURL, bytes.NewReader(r.SubmitBody))
	if err != nil {
		panic(err) // RequestURL came from a recorded, valid request
	}
	for _, h := range browserHeaders {
		req.Header.Set(h[0], h[1])
	}
	req.Header.Set("Cookie", strings.Join(append([]string{r.CSRFCookie}, siteCookies...), "; "))
	req.ContentLength = int64(len(r.SubmitBody))
	req.Header.Set("Content-Length", fmt.Sprint(len(r.SubmitBody)))
	req.RemoteAddr = "203.0.113.7:52114"
	return req
}
