"""موجز: Arabic news articles (YAML front matter + Markdown) → a right-to-left static site."""
