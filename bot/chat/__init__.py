"""Private-chat glue of each feature: commands and buttons added to the conversation."""
